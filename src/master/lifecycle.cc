// Attempt reports and the task/job transitions they cause (DESIGN §3).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/units.h"
#include "master/backoff.h"
#include "master/scheduler_impl.h"

namespace pipegrid::master {
namespace {

// pipegrid_task_duration_seconds: how long an attempt that started ran. The
// times are the worker's own start and finish reports.
void ObserveTaskSeconds(SchedulerCounters& counters, const store::AttemptRecord& a) {
  if (!a.started_at || !a.finished_at) return;  // never started: nothing ran
  auto it = std::find(kAllOutcomes.begin(), kAllOutcomes.end(), a.outcome);
  if (it == kAllOutcomes.end()) return;
  double seconds = std::chrono::duration<double>(*a.finished_at - *a.started_at).count();
  counters.task_seconds[static_cast<size_t>(it - kAllOutcomes.begin())].Observe(
      std::max(0.0, seconds));
}

}  // namespace

Scheduler::Impl::Impl(EventLoop& loop, store::Store& store, store::Committer& committer,
                      IdGenerator& ids, SchedulerOptions options, SchedulerCounters& counters)
    : loop_(loop),
      store_(store),
      committer_(committer),
      ids_(ids),
      options_(options),
      counters_(counters),
      rng_(options.rng_seed != 0 ? options.rng_seed : std::random_device{}()) {}

void Scheduler::Impl::AddEvent(Txn& txn, const JobRt& job, const TaskRt* task, int attempt,
                               std::string type, std::string_view from, std::string_view to,
                               std::string reason) {
  store::EventRecord e;
  e.time = loop_.clock().Wall();
  e.job_id = job.rec.id;
  if (task != nullptr) {
    e.task = task->rec.name;
    e.worker = task->rec.worker;
  }
  e.attempt = attempt;
  e.type = std::move(type);
  e.from = std::string(from);
  e.to = std::string(to);
  e.reason = std::move(reason);
  txn.batch().events.push_back(std::move(e));
}

void Scheduler::Impl::SetTaskState(Txn& txn, TaskRt& task, TaskState to, std::string reason) {
  TaskState from = task.rec.state;
  if (from == to && task.rec.reason == reason) return;
  task.rec.state = to;
  task.rec.reason = reason;
  task.job->unfinished += static_cast<int>(IsFinished(from)) - static_cast<int>(IsFinished(to));
  txn.Touch(task);
  spdlog::debug("task state job={} task={} from={} to={} reason=\"{}\"", task.job->rec.id,
                task.rec.name, Name(from), Name(to), reason);
  AddEvent(txn, *task.job, &task, task.rec.attempts_started, "task", Name(from), Name(to),
           std::move(reason));
}

void Scheduler::Impl::SetJobState(Txn& txn, JobRt& job, JobState to, std::string reason) {
  JobState from = job.rec.state;
  if (from == to && job.rec.reason == reason) return;
  job.rec.state = to;
  job.rec.reason = reason;
  WallTime now = loop_.clock().Wall();
  if (to == JobState::kRunning && !job.rec.started_at) job.rec.started_at = now;
  job.rec.finished_at = IsFinished(to) ? std::optional<WallTime>(now) : std::nullopt;
  txn.Touch(job);
  spdlog::info("job state job={} name={} from={} to={} reason=\"{}\"", job.rec.id, job.rec.name,
               Name(from), Name(to), reason);
  AddEvent(txn, job, nullptr, 0, "job", Name(from), Name(to), std::move(reason));
}

void Scheduler::Impl::OnStarted(const protocol::AttemptStarted& msg) {
  PG_DCHECK(loop_.InLoopThread());
  auto it = attempts_.find(msg.attempt_id);
  if (it == attempts_.end()) {
    spdlog::warn("start report refused: attempt is not current attempt={}", msg.attempt_id);
    return;
  }
  TaskRt& task = *it->second;
  if (task.rec.state != TaskState::kAssigned) return;  // a repeated report
  Txn txn;
  MarkStarted(txn, task, msg.pgid, msg.started_at);
  Flush(txn);
}

void Scheduler::Impl::MarkStarted(Txn& txn, TaskRt& task, int64_t pgid, WallTime started_at) {
  task.attempt->started_at = started_at;
  task.attempt->pgid = pgid;
  txn.TouchAttempt(task);
  SetTaskState(txn, task, TaskState::kRunning, "");
  JobRt& job = *task.job;
  // The reason is kept: it carries a pending stop (see JobRt::stopping).
  if (job.rec.state == JobState::kPending) SetJobState(txn, job, JobState::kRunning, job.rec.reason);
}

void Scheduler::Impl::OnFinished(const protocol::AttemptFinished& msg) {
  PG_DCHECK(loop_.InLoopThread());
  auto it = attempts_.find(msg.attempt_id);
  if (it == attempts_.end()) {
    // Fencing: each task records exactly one outcome per attempt, and only
    // the current attempt may record one.
    counters_.stale_results.fetch_add(1, std::memory_order_relaxed);
    DiscardOutputs(msg);
    spdlog::warn("result refused: attempt is not current attempt={} outcome={}", msg.attempt_id,
                 Name(msg.outcome));
    return;
  }
  TaskRt& task = *it->second;
  FreeWorkerSlot(task);
  attempts_.erase(it);
  Txn txn;
  EndAttempt(txn, task, msg);
  Dispatch(txn);
  Flush(txn);
  MaybeFinishShutdown();
}

void Scheduler::Impl::EndAttempt(Txn& txn, TaskRt& task, const protocol::AttemptFinished& msg) {
  JobRt& job = *task.job;
  store::AttemptRecord& a = *task.attempt;
  a.outcome = msg.outcome;
  a.exit_code = msg.exit_code;
  a.signal = msg.signal;
  a.reason = msg.reason;
  a.finished_at = msg.finished_at;
  ObserveTaskSeconds(counters_, a);
  txn.TouchAttempt(task);
  AddEvent(txn, job, &task, a.number, "attempt", "", Name(msg.outcome), msg.reason);
  const int number = a.number;
  task.attempt.reset();
  task.stop_sent = false;

  const spec::RetryPolicy& retry = task.spec().retry;
  const std::string& why = msg.reason.empty() ? std::string(Name(msg.outcome)) : msg.reason;
  switch (msg.outcome) {
    case Outcome::kSucceeded:
      KeepOutputs(txn, task, msg);
      OnTaskSucceeded(txn, task);
      break;
    case Outcome::kCancelled:
    case Outcome::kKilled:
      SetTaskState(txn, task, TaskState::kCancelled, std::string(Name(msg.outcome)));
      break;
    case Outcome::kInterrupted:
      // Graceful shutdown uses up no budget: the task runs again after restart.
      if (job.stopping) {
        SetTaskState(txn, task, TaskState::kCancelled, job.rec.reason);
      } else {
        MakeReady(txn, task, fmt::format("attempt {} interrupted ({}); queued again", number, why));
      }
      break;
    case Outcome::kLost:
      if (job.stopping) {
        SetTaskState(txn, task, TaskState::kCancelled, job.rec.reason);
      } else if (task.rec.lost_used < retry.lost_limit) {
        ++task.rec.lost_used;
        MakeReady(txn, task,
                  fmt::format("attempt {} lost ({}); requeued ({} of {} lost retries)", number,
                              why, task.rec.lost_used, retry.lost_limit));
      } else {
        OnTaskFailedForGood(txn, task, msg.outcome,
                            fmt::format("attempt {} lost ({}); lost retries used up", number, why));
      }
      break;
    case Outcome::kExit:
    case Outcome::kSignal:
    case Outcome::kTimeout:
    case Outcome::kOom:
    case Outcome::kNone:
      if (job.stopping) {
        SetTaskState(txn, task, TaskState::kCancelled, job.rec.reason);
      } else if (task.rec.retries_used < retry.limit) {
        ++task.rec.retries_used;
        ScheduleRetry(txn, task, fmt::format("attempt {}: {}", number, why));
      } else {
        OnTaskFailedForGood(
            txn, task, msg.outcome,
            retry.limit == 0 ? fmt::format("attempt {}: {}", number, why)
                             : fmt::format("attempt {}: {}; {} retries used up", number, why,
                                           retry.limit));
      }
      break;
  }
  if (task.parent != nullptr) SettleGroup(txn, *task.parent);
  MaybeFinishJob(txn, job);
}

void Scheduler::Impl::KeepOutputs(Txn& txn, TaskRt& task, const protocol::AttemptFinished& msg) {
  task.rec.outputs = msg.outputs;
  txn.Touch(task);
  if (msg.workspace.empty() || options_.outputs_dir.empty()) return;
  // One rename moves the staged files into place (replacing an earlier
  // attempt's); the manifest is committed with the success.
  namespace fs = std::filesystem;
  fs::path dest = fs::path(options_.outputs_dir) / task.job->rec.id / task.rec.name;
  std::error_code ec;
  fs::remove_all(dest, ec);
  fs::create_directories(dest.parent_path(), ec);
  fs::rename(msg.workspace, dest, ec);
  if (ec) spdlog::error("outputs not kept task={} error={}", task.rec.name, ec.message());
}

void Scheduler::Impl::DiscardOutputs(const protocol::AttemptFinished& msg) {
  if (msg.workspace.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(msg.workspace, ec);
}

void Scheduler::Impl::OnTaskSucceeded(Txn& txn, TaskRt& task) {
  SetTaskState(txn, task, TaskState::kSucceeded, "");
  // An instance is not a DAG node: its group settles (EndAttempt).
  if (task.parent != nullptr) return;
  JobRt& job = *task.job;
  for (int d : job.dag.dependents[task.index]) {
    TaskRt& dep = *job.tasks[d];
    --dep.unmet_deps;
    if (dep.unmet_deps == 0 && dep.rec.state == TaskState::kPending && !job.stopping) {
      MakeReady(txn, dep, "");
    }
  }
}

void Scheduler::Impl::ScheduleRetry(Txn& txn, TaskRt& task, const std::string& reason) {
  const spec::RetryPolicy& retry = task.spec().retry;
  Millis delay = BackoffDelay(retry.backoff, task.rec.retries_used, rng_);
  task.rec.retry_at = loop_.clock().Wall() + delay;
  counters_.retries.fetch_add(1, std::memory_order_relaxed);
  SetTaskState(txn, task, TaskState::kRetrying,
               fmt::format("{}; retry {} of {} in {}", reason, task.rec.retries_used, retry.limit,
                           FormatDuration(delay)));
  ArmRetryTimer(task, delay);
}

void Scheduler::Impl::ArmRetryTimer(TaskRt& task, Millis delay) {
  task.retry_timer = loop_.RunAfter(delay, [this, id = task.rec.id] { OnRetryTimer(id); });
}

void Scheduler::Impl::OnRetryTimer(const std::string& task_id) {
  auto it = tasks_by_id_.find(task_id);
  if (it == tasks_by_id_.end()) return;
  TaskRt& task = *it->second;
  task.retry_timer = 0;
  if (task.rec.state != TaskState::kRetrying || task.job->stopping) return;
  Txn txn;
  task.rec.retry_at.reset();
  MakeReady(txn, task, "backoff ended");
  Dispatch(txn);
  Flush(txn);
}

void Scheduler::Impl::OnTaskFailedForGood(Txn& txn, TaskRt& task, Outcome outcome,
                                          const std::string& reason) {
  JobRt& job = *task.job;
  SetTaskState(txn, task, TaskState::kFailed, reason);
  store::DeadLetterRecord dl;
  dl.task_id = task.rec.id;
  dl.job_id = job.rec.id;
  dl.namespace_ = job.rec.namespace_;
  dl.task = task.rec.name;
  dl.attempts = task.rec.attempts_started;
  dl.outcome = outcome;
  dl.reason = reason;
  dl.failed_at = loop_.clock().Wall();
  txn.batch().put_dead_letters.push_back(std::move(dl));
  counters_.dead_letters.fetch_add(1, std::memory_order_relaxed);
  // An instance's dependents are its group's, skipped when the group settles.
  if (task.parent == nullptr) SkipDependents(txn, task);
  if (job.spec.fail_fast && !job.stopping) {
    StopJob(txn, job, Outcome::kCancelled, JobState::kFailed,
            fmt::format("failFast: task {} failed", task.rec.name), options_.cancel_grace);
  }
}

void Scheduler::Impl::SkipDependents(Txn& txn, TaskRt& task) {
  JobRt& job = *task.job;
  std::vector<int> stack(job.dag.dependents[task.index]);
  while (!stack.empty()) {
    TaskRt& dep = *job.tasks[stack.back()];
    stack.pop_back();
    if (dep.rec.state != TaskState::kPending) continue;
    SetTaskState(txn, dep, TaskState::kSkipped,
                 fmt::format("upstream task {} did not succeed", task.rec.name));
    for (int d : job.dag.dependents[dep.index]) stack.push_back(d);
  }
}

void Scheduler::Impl::MakeReady(Txn& txn, TaskRt& task, std::string reason) {
  if (task.is_group()) {
    // Expanded once; after a retry or requeue its instances carry on.
    if (task.instances.empty()) return Expand(txn, task);
    SetTaskState(txn, task, TaskState::kRunning, std::move(reason));
    return SettleGroup(txn, task);
  }
  SetTaskState(txn, task, TaskState::kQueued, std::move(reason));
  Enqueue(task);
}

void Scheduler::Impl::MaybeFinishJob(Txn& txn, JobRt& job) {
  if (IsFinished(job.rec.state)) return;
  if (job.unfinished > 0) return;  // something still runs or can run
  const TaskRt* first_bad = nullptr;
  for (const auto& t : job.tasks) {
    PG_DCHECK(IsFinished(t->rec.state));
    if (t->rec.state != TaskState::kSucceeded && first_bad == nullptr) first_bad = t.get();
  }
  if (job.stopping) {
    SetJobState(txn, job, job.stop_state, job.rec.reason);
  } else if (first_bad == nullptr) {
    SetJobState(txn, job, JobState::kSucceeded, "");
  } else {
    SetJobState(txn, job, JobState::kFailed,
                fmt::format("task {} {}", first_bad->rec.name,
                            first_bad->rec.state == TaskState::kFailed ? "failed" : "did not run"));
  }
  if (job.timeout_timer != 0) loop_.CancelTimer(job.timeout_timer);
  job.timeout_timer = 0;
  txn.AfterCommit([this, id = job.rec.id] {
    for (auto& [name, w] : workers_) {
      if (w.channel != nullptr) w.channel->ReleaseJob(id);
    }
    ForgetJob(id);
  });
}

}  // namespace pipegrid::master
