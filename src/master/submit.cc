// Accepting work: submit (idempotent by externalId), retry of a job, requeue
// of a dead letter, delete; and how jobs enter and leave memory.
#include <spdlog/spdlog.h>

#include "master/scheduler_impl.h"

namespace pipegrid::master {
namespace {

bool IsRetryable(JobState s) { return s == JobState::kFailed || s == JobState::kCancelled; }

}  // namespace

Scheduler::Impl::Prepared Scheduler::Impl::Prepare(const spec::JobSpec& spec) {
  return {spec::BuildDag(spec), spec.legacy ? std::string() : spec::ToJson(spec).dump()};
}

void Scheduler::Impl::Submit(spec::JobSpec spec, Prepared prepared,
                             Reply<Result<SubmitResult>> done) {
  PG_DCHECK(loop_.InLoopThread());
  if (shutting_down_) return done(Unavailable("the server is shutting down"));
  const std::string id = ids_.Next();
  if (spec.legacy) {
    spec.name = "legacy-" + id;
    spec.legacy = false;
    prepared.spec_json = spec::ToJson(spec).dump();
  }
  std::string spec_json = std::move(prepared.spec_json);

  if (!spec.external_id.empty()) {
    std::optional<store::JobRecord> existing;
    auto mem = by_external_id_.find({spec.namespace_, spec.external_id});
    if (mem != by_external_id_.end()) {
      existing = jobs_.at(mem->second)->rec;
    } else {
      auto stored = store_.GetJobByExternalId(spec.namespace_, spec.external_id);
      if (!stored.ok()) return done(stored.status());
      existing = std::move(*stored);
    }
    if (existing) {
      Result<SubmitResult> reply = SubmitResult{existing->id, false};
      if (existing->spec_json != spec_json) {
        reply = AlreadyExists(fmt::format(
            "externalId \"{}\" in namespace \"{}\" already names job {} with a different spec",
            spec.external_id, spec.namespace_, existing->id));
      }
      // The job found in memory may still be committing: answer after it, so
      // the client never hears of a job the store does not have.
      Txn txn;
      txn.AfterCommit([done = std::move(done), reply = std::move(reply)] { done(reply); });
      return Flush(txn);
    }
  }

  Result<spec::Dag> dag = std::move(prepared.dag);
  if (!dag.ok()) return done(dag.status());

  auto job = std::make_unique<JobRt>();
  store::JobRecord& rec = job->rec;
  rec.id = id;
  rec.name = spec.name;
  rec.namespace_ = spec.namespace_;
  rec.external_id = spec.external_id;
  rec.labels = spec.labels;
  rec.priority = spec.priority;
  rec.state = JobState::kPending;
  rec.spec_json = std::move(spec_json);
  rec.created_at = loop_.clock().Wall();
  if (spec.timeout) rec.deadline_at = rec.created_at + *spec.timeout;
  job->spec = std::move(spec);
  job->dag = std::move(*dag);
  for (size_t i = 0; i < job->spec.tasks.size(); ++i) {
    auto task = std::make_unique<TaskRt>();
    task->job = job.get();
    task->index = static_cast<int>(i);
    task->rec.id = ids_.Next();
    task->rec.job_id = id;
    task->rec.name = job->spec.tasks[i].name;
    task->rec.index = task->index;
    task->rec.depends_on = job->spec.tasks[i].depends_on;
    task->unmet_deps = static_cast<int>(job->dag.deps[i].size());
    job->tasks.push_back(std::move(task));
  }
  JobRt& j = AddJob(std::move(job));

  Txn txn;
  txn.Touch(j);
  AddEvent(txn, j, nullptr, 0, "job", "", Name(JobState::kPending), "submitted");
  // By index: a forEach task expands into j.tasks as it becomes ready.
  const size_t spec_tasks = j.tasks.size();
  for (size_t i = 0; i < spec_tasks; ++i) txn.Touch(*j.tasks[i]);
  for (size_t i = 0; i < spec_tasks; ++i) {
    if (j.tasks[i]->unmet_deps == 0) MakeReady(txn, *j.tasks[i], "");
  }
  // A fan-out with no items (or too many) can settle the job at once.
  MaybeFinishJob(txn, j);
  ArmJobTimeout(j);
  Dispatch(txn);
  txn.AfterCommit([done = std::move(done), id] { done(SubmitResult{id, true}); });
  Flush(txn);
}

void Scheduler::Impl::Retry(const std::string& job_id, Reply<Status> done) {
  PG_DCHECK(loop_.InLoopThread());
  if (deleting_.count(job_id) != 0) return done(NotFound("job " + job_id + " not found"));
  JobRt* job = FindJob(job_id);
  if (job == nullptr) {
    auto rec = store_.GetJob(job_id);
    if (!rec.ok()) return done(rec.status());
    if (!rec->has_value()) return done(NotFound("job " + job_id + " not found"));
    if (!IsRetryable((*rec)->state)) {
      return done(FailedPrecondition(fmt::format(
          "job {} is {}: only FAILED or CANCELLED jobs can be retried", job_id, Name((*rec)->state))));
    }
    auto loaded = LoadJob(**rec);
    if (!loaded.ok()) return done(loaded.status());
    job = *loaded;
  }
  if (!IsRetryable(job->rec.state)) {
    return done(FailedPrecondition(fmt::format(
        "job {} is {}: only FAILED or CANCELLED jobs can be retried", job_id, Name(job->rec.state))));
  }
  Txn txn;
  job->stopping.reset();
  RestartDeadline(*job);
  SetJobState(txn, *job, JobState::kPending, "retried");
  for (auto& t : job->tasks) {
    TaskState s = t->rec.state;
    if (s != TaskState::kFailed && s != TaskState::kCancelled && s != TaskState::kSkipped) continue;
    if (s == TaskState::kFailed) txn.batch().delete_dead_letters.push_back(t->rec.id);
    t->rec.retries_used = 0;
    t->rec.lost_used = 0;
    SetTaskState(txn, *t, TaskState::kPending, "job retried");
  }
  // By index: a forEach task that never ran expands into job->tasks here.
  const size_t known = job->tasks.size();
  for (size_t i = 0; i < known; ++i) {
    TaskRt& t = *job->tasks[i];
    t.unmet_deps = 0;
    for (int d : job->dag.deps[t.index]) {
      if (job->tasks[d]->rec.state != TaskState::kSucceeded) ++t.unmet_deps;
    }
    if (t.rec.state == TaskState::kPending && t.unmet_deps == 0) MakeReady(txn, t, "job retried");
  }
  ArmJobTimeout(*job);
  // Nothing may have been left to requeue (every task had succeeded after
  // all, e.g. a success that raced a cancel): the job finishes again at once.
  MaybeFinishJob(txn, *job);
  Dispatch(txn);
  txn.AfterCommit([done = std::move(done)] { done(Status::Ok()); });
  Flush(txn);
}

void Scheduler::Impl::RestartDeadline(JobRt& job) {
  if (job.timeout_timer != 0) loop_.CancelTimer(job.timeout_timer);
  job.timeout_timer = 0;
  job.rec.deadline_at.reset();
  if (job.spec.timeout) job.rec.deadline_at = loop_.clock().Wall() + *job.spec.timeout;
}

void Scheduler::Impl::RequeueDeadLetter(const std::string& task_id, Reply<Status> done) {
  PG_DCHECK(loop_.InLoopThread());
  auto dl = store_.GetDeadLetter(task_id);
  if (!dl.ok()) return done(dl.status());
  if (!dl->has_value()) return done(NotFound("dead letter " + task_id + " not found"));
  if (deleting_.count((*dl)->job_id) != 0) return done(NotFound("dead letter " + task_id + " not found"));
  JobRt* job = FindJob((*dl)->job_id);
  if (job == nullptr) {
    auto rec = store_.GetJob((*dl)->job_id);
    if (!rec.ok()) return done(rec.status());
    if (!rec->has_value()) return done(NotFound("job " + (*dl)->job_id + " not found"));
    auto loaded = LoadJob(**rec);
    if (!loaded.ok()) return done(loaded.status());
    job = *loaded;
  }
  auto it = tasks_by_id_.find(task_id);
  if (it == tasks_by_id_.end() || it->second->rec.state != TaskState::kFailed) {
    return done(FailedPrecondition("task " + task_id + " is not FAILED"));
  }
  TaskRt& task = *it->second;
  if (job->stopping && !IsFinished(job->rec.state)) {
    return done(FailedPrecondition("job " + job->rec.id + " is stopping (" + job->rec.reason +
                                   "): requeue once it has finished"));
  }
  Txn txn;
  txn.batch().delete_dead_letters.push_back(task_id);
  if (IsFinished(job->rec.state)) {
    job->stopping.reset();
    RestartDeadline(*job);
    SetJobState(txn, *job, JobState::kRunning, "dead letter requeued");
    ArmJobTimeout(*job);
  }
  task.rec.retries_used = 0;
  task.rec.lost_used = 0;
  MakeReady(txn, task, "dead letter requeued");
  // A requeued instance reopens its group; the group's dependents wait again.
  TaskRt& node = task.parent != nullptr ? *task.parent : task;
  if (task.parent != nullptr && IsFinished(node.rec.state)) {
    SetTaskState(txn, node, TaskState::kRunning, "instance " + task.rec.name + " requeued");
  }
  ReviveSkippedDependents(txn, node);
  Dispatch(txn);
  txn.AfterCommit([done = std::move(done)] { done(Status::Ok()); });
  Flush(txn);
}

void Scheduler::Impl::ReviveSkippedDependents(Txn& txn, TaskRt& revived) {
  JobRt& job = *revived.job;
  // Downstream of the revived task only, in dependency order, so a task is
  // judged after all of its upstream tasks were.
  std::vector<bool> downstream(job.tasks.size(), false);
  std::vector<int> stack(job.dag.dependents[revived.index]);
  while (!stack.empty()) {
    int i = stack.back();
    stack.pop_back();
    if (downstream[i]) continue;
    downstream[i] = true;
    for (int d : job.dag.dependents[i]) stack.push_back(d);
  }
  for (int i : job.dag.topo_order) {
    TaskRt& dep = *job.tasks[i];
    if (!downstream[i] || dep.rec.state != TaskState::kSkipped) continue;
    // Another upstream task that failed still condemns it.
    bool blocked = false;
    dep.unmet_deps = 0;
    for (int d : job.dag.deps[i]) {
      TaskState s = job.tasks[d]->rec.state;
      if (s == TaskState::kFailed || s == TaskState::kCancelled || s == TaskState::kSkipped) {
        blocked = true;
      }
      if (s != TaskState::kSucceeded) ++dep.unmet_deps;
    }
    if (!blocked) SetTaskState(txn, dep, TaskState::kPending, "upstream dead letter requeued");
  }
}

void Scheduler::Impl::Delete(const std::string& job_id, Reply<Status> done) {
  PG_DCHECK(loop_.InLoopThread());
  JobRt* job = FindJob(job_id);
  if (job != nullptr && !IsFinished(job->rec.state)) {
    return done(FailedPrecondition(fmt::format("job {} is {}: cancel it before deleting it", job_id,
                                               Name(job->rec.state))));
  }
  if (job == nullptr) {
    auto rec = store_.GetJob(job_id);
    if (!rec.ok()) return done(rec.status());
    if (!rec->has_value()) return done(NotFound("job " + job_id + " not found"));
  }
  if (!deleting_.insert(job_id).second) return done(NotFound("job " + job_id + " not found"));
  // Until the delete commits, the store still has the job: retry, requeue
  // and cancel must not load it back (see deleting_).
  ForgetJob(job_id);
  Txn txn;
  txn.batch().delete_jobs.push_back(job_id);
  txn.AfterCommit([this, job_id, done = std::move(done)] {
    deleting_.erase(job_id);
    done(Status::Ok());
  });
  Flush(txn);
}

void Scheduler::Impl::Purge(std::vector<std::string> job_ids, Reply<Status> done) {
  Txn txn;
  std::vector<std::string> purged;
  for (std::string& id : job_ids) {
    JobRt* job = FindJob(id);
    // A job in memory is unfinished or was just retried: it is not expired.
    if (job != nullptr || deleting_.count(id) != 0) continue;
    deleting_.insert(id);
    txn.batch().delete_jobs.push_back(id);
    purged.push_back(std::move(id));
  }
  txn.AfterCommit([this, purged = std::move(purged), done = std::move(done)] {
    for (const std::string& id : purged) deleting_.erase(id);
    done(Status::Ok());
  });
  Flush(txn);
}

// --- memory and store ---

void Scheduler::Impl::Flush(Txn& txn) {
  store::Batch batch = txn.TakeBatch();
  auto effects = txn.TakeEffects();
  if (batch.empty() && effects.empty()) return;
  // Nothing waits on a change without effects (a task going RUNNING): it may
  // share the next commit instead of paying for one of its own.
  const bool lazy = effects.empty();
  auto done = [this, effects = std::move(effects)](Status s) mutable {
    loop_.Post([s = std::move(s), effects = std::move(effects)] {
      if (!s.ok()) {
        // Memory is ahead of the store and nothing can make them agree again
        // but a restart from the store.
        spdlog::critical("store commit failed: {}", s.ToString());
        PG_CHECK_OK(s);
      }
      for (auto& effect : effects) effect();
    });
  };
  if (lazy) {
    committer_.CommitLazily(std::move(batch), std::move(done));
  } else {
    committer_.Commit(std::move(batch), std::move(done));
  }
}

JobRt* Scheduler::Impl::FindJob(const std::string& id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second.get();
}

JobRt& Scheduler::Impl::AddJob(std::unique_ptr<JobRt> job) {
  job->order = next_job_order_++;
  JobRt& j = *job;
  if (!j.rec.external_id.empty()) by_external_id_[{j.rec.namespace_, j.rec.external_id}] = j.rec.id;
  j.unfinished = 0;
  for (auto& t : j.tasks) {
    tasks_by_id_[t->rec.id] = t.get();
    if (!IsFinished(t->rec.state)) ++j.unfinished;
  }
  jobs_[j.rec.id] = std::move(job);
  return j;
}

void Scheduler::Impl::ForgetJob(const std::string& id) {
  auto it = jobs_.find(id);
  // A job retried between its finish and this commit is alive again.
  if (it == jobs_.end() || !IsFinished(it->second->rec.state)) return;
  JobRt& j = *it->second;
  for (auto& t : j.tasks) {
    if (t->retry_timer != 0) loop_.CancelTimer(t->retry_timer);
    tasks_by_id_.erase(t->rec.id);
  }
  if (!j.rec.external_id.empty()) by_external_id_.erase({j.rec.namespace_, j.rec.external_id});
  jobs_.erase(it);
}

Result<JobRt*> Scheduler::Impl::LoadJob(const store::JobRecord& rec) {
  auto spec = spec::ParseJobSpec(rec.spec_json, spec::BodyFormat::kJson);
  if (!spec.ok()) {
    return Internal("stored spec of job " + rec.id + " does not parse: " + spec.status().ToString());
  }
  auto dag = spec::BuildDag(*spec);
  if (!dag.ok()) return Internal("stored spec of job " + rec.id + ": " + dag.status().ToString());
  PG_ASSIGN_OR_RETURN(std::vector<store::TaskRecord> tasks, store_.ListTasks(rec.id));
  PG_ASSIGN_OR_RETURN(std::vector<store::AttemptRecord> attempts, store_.ListAttempts(rec.id));
  // The spec's tasks, then fan-out instances (rows naming a parent).
  auto is_instance = [](const store::TaskRecord& t) { return !t.parent.empty(); };
  auto first_instance = std::stable_partition(tasks.begin(), tasks.end(),
                                              [&](const auto& t) { return !is_instance(t); });
  size_t spec_rows = static_cast<size_t>(first_instance - tasks.begin());
  if (spec_rows != spec->tasks.size()) {
    return Internal(fmt::format("job {} has {} task rows for {} tasks in its spec", rec.id,
                                spec_rows, spec->tasks.size()));
  }
  auto job = std::make_unique<JobRt>();
  job->rec = rec;
  job->spec = std::move(*spec);
  job->dag = std::move(*dag);
  for (store::TaskRecord& tr : tasks) {
    auto task = std::make_unique<TaskRt>();
    task->job = job.get();
    task->index = tr.index;
    task->rec = std::move(tr);
    job->tasks.push_back(std::move(task));
  }
  std::stable_sort(job->tasks.begin(), job->tasks.begin() + static_cast<long>(spec_rows),
                   [](const auto& a, const auto& b) { return a->index < b->index; });
  // Rows come in item order (ListTasks).
  for (size_t i = spec_rows; i < job->tasks.size(); ++i) {
    TaskRt& inst = *job->tasks[i];
    if (inst.index < 0 || static_cast<size_t>(inst.index) >= spec_rows) {
      return Internal(fmt::format("job {}: instance {} has no task", rec.id, inst.rec.name));
    }
    inst.parent = job->tasks[inst.index].get();
    inst.parent->instances.push_back(&inst);
  }
  for (auto& t : job->tasks) {
    for (int d : job->dag.deps[t->index]) {
      if (job->tasks[d]->rec.state != TaskState::kSucceeded) ++t->unmet_deps;
    }
  }
  for (store::AttemptRecord& a : attempts) {
    if (a.outcome != Outcome::kNone) continue;
    for (auto& t : job->tasks) {
      if (t->rec.id == a.task_id) t->attempt = std::move(a);
    }
  }
  return &AddJob(std::move(job));
}

}  // namespace pipegrid::master
