// Stopping work (cancel, kill, job timeout, shutdown) and the worker fleet.
#include <spdlog/spdlog.h>

#include "common/time_format.h"
#include "master/scheduler_impl.h"

namespace pipegrid::master {

void Scheduler::Impl::Cancel(const std::string& job_id, bool kill, Reply<Status> done) {
  PG_DCHECK(loop_.InLoopThread());
  if (deleting_.count(job_id) != 0) return done(NotFound("job " + job_id + " not found"));
  JobRt* job = FindJob(job_id);
  if (job == nullptr || IsFinished(job->rec.state)) {
    auto rec = store_.GetJob(job_id);
    if (!rec.ok()) return done(rec.status());
    if (!rec->has_value()) return done(NotFound("job " + job_id + " not found"));
    return done(FailedPrecondition(fmt::format("job {} is already finished ({})", job_id,
                                               Name((*rec)->state))));
  }
  Txn txn;
  StopJob(txn, *job, kill ? Outcome::kKilled : Outcome::kCancelled, JobState::kCancelled,
          kill ? "killed" : "cancelled", kill ? Millis(0) : options_.cancel_grace);
  txn.AfterCommit([done = std::move(done)] { done(Status::Ok()); });
  Flush(txn);
}

void Scheduler::Impl::StopJob(Txn& txn, JobRt& job, Outcome outcome, JobState final_state,
                              std::string reason, Millis grace) {
  // A kill may follow a cancel: it escalates the attempts still stopping.
  bool escalate = job.stopping && outcome == Outcome::kKilled && *job.stopping != Outcome::kKilled;
  if (job.stopping && !escalate) return;
  // Escalating a job timeout or failFast keeps its verdict (FAILED, why);
  // escalating a cancel turns it into a kill.
  bool keep_verdict = escalate && job.stop_state == JobState::kFailed;
  if (!keep_verdict) {
    job.stop_state = final_state;
    job.rec.reason = reason;
  }
  job.stopping = outcome;
  txn.Touch(job);
  AddEvent(txn, job, nullptr, 0, "job", Name(job.rec.state), Name(job.rec.state),
           "stopping: " + reason);
  for (auto& tp : job.tasks) {
    TaskRt& task = *tp;
    switch (task.rec.state) {
      case TaskState::kPending:
      case TaskState::kQueued:
      case TaskState::kRetrying:
        Dequeue(task);
        if (task.retry_timer != 0) loop_.CancelTimer(task.retry_timer);
        task.retry_timer = 0;
        task.rec.retry_at.reset();
        SetTaskState(txn, task, TaskState::kCancelled, reason);
        break;
      case TaskState::kAssigned:
      case TaskState::kRunning: {
        task.stop_sent = true;
        protocol::StopRequest req{task.attempt->id, outcome, grace};
        txn.AfterCommit([this, worker = task.attempt->worker, req] {
          auto it = workers_.find(worker);
          if (it != workers_.end() && it->second.channel != nullptr) it->second.channel->Stop(req);
        });
        break;
      }
      default:
        break;
    }
  }
  MaybeFinishJob(txn, job);
}

void Scheduler::Impl::ArmJobTimeout(JobRt& job) {
  if (!job.rec.deadline_at || job.timeout_timer != 0) return;
  // A wall-clock deadline, stored with the job, so it survives restarts.
  auto remaining = std::chrono::duration_cast<Millis>(*job.rec.deadline_at - loop_.clock().Wall());
  if (remaining < Millis(0)) remaining = Millis(0);
  job.timeout_timer = loop_.RunAfter(remaining, [this, id = job.rec.id] { OnJobTimeout(id); });
}

void Scheduler::Impl::OnJobTimeout(const std::string& job_id) {
  JobRt* job = FindJob(job_id);
  if (job == nullptr || IsFinished(job->rec.state)) return;
  job->timeout_timer = 0;
  Txn txn;
  StopJob(txn, *job, Outcome::kTimeout, JobState::kFailed, "timeout", options_.cancel_grace);
  Flush(txn);
}

void Scheduler::Impl::Shutdown(Millis grace, Reply<Status> done) {
  shutting_down_ = true;
  Txn txn;
  for (auto& [id, task] : attempts_) {
    if (task->stop_sent) continue;
    task->stop_sent = true;
    protocol::StopRequest req{id, Outcome::kInterrupted, grace};
    txn.AfterCommit([this, worker = task->attempt->worker, req] {
      auto it = workers_.find(worker);
      if (it != workers_.end() && it->second.channel != nullptr) it->second.channel->Stop(req);
    });
  }
  shutdown_waiters_.push_back(std::move(done));
  Flush(txn);
  MaybeFinishShutdown();
}

void Scheduler::Impl::MaybeFinishShutdown() {
  if (!shutting_down_ || !attempts_.empty() || shutdown_waiters_.empty()) return;
  // An empty commit orders the replies after every earlier commit.
  Txn txn;
  for (auto& w : shutdown_waiters_) {
    txn.AfterCommit([w = std::move(w)] { w(Status::Ok()); });
  }
  shutdown_waiters_.clear();
  Flush(txn);
}

void Scheduler::Impl::RegisterWorker(WorkerRegistration reg, protocol::WorkerChannel* channel,
                                     Reply<Status> done) {
  if (reg.slots < 0) return done(InvalidArgument("slots must not be negative"));
  WorkerRt w;
  w.info.name = reg.name;
  w.info.state = WorkerState::kReady;
  w.info.labels = std::move(reg.labels);
  w.info.labels["pipegrid.io/worker"] = reg.name;
  if (!reg.zone.empty()) w.info.labels["pipegrid.io/zone"] = reg.zone;
  w.info.slots = reg.slots;
  w.info.slots_free = reg.slots;
  w.info.cpu = reg.cpu;
  w.info.memory = reg.memory;
  w.info.version = reg.version;
  w.info.last_heartbeat_at = loop_.clock().Wall();
  w.zone = reg.zone;
  w.channel = channel;
  w.cpu_free = reg.cpu;
  w.memory_free = reg.memory;
  if (workers_.count(reg.name) != 0) DeregisterWorker(reg.name);
  workers_[reg.name] = std::move(w);
  spdlog::info("worker registered worker={} slots={}", reg.name, reg.slots);
  Txn txn;
  Dispatch(txn);
  txn.AfterCommit([done = std::move(done)] { done(Status::Ok()); });
  Flush(txn);
}

void Scheduler::Impl::DeregisterWorker(const std::string& name) {
  auto it = workers_.find(name);
  if (it == workers_.end()) return;
  std::set<std::string> running = std::move(it->second.attempts);
  it->second.attempts.clear();
  it->second.channel = nullptr;
  it->second.info.state = WorkerState::kGone;
  it->second.info.slots_free = 0;
  Txn txn;
  for (const std::string& attempt_id : running) {
    auto a = attempts_.find(attempt_id);
    if (a == attempts_.end()) continue;
    TaskRt& task = *a->second;
    attempts_.erase(a);
    protocol::AttemptFinished lost{attempt_id, Outcome::kLost, std::nullopt, std::nullopt,
                                   "worker " + name + " left", loop_.clock().Wall()};
    EndAttempt(txn, task, lost);
  }
  Dispatch(txn);
  Flush(txn);
  MaybeFinishShutdown();
}

void Scheduler::Impl::DrainWorker(const std::string& name, Reply<Status> done) {
  auto it = workers_.find(name);
  if (it == workers_.end() || it->second.info.state == WorkerState::kGone) {
    return done(NotFound("worker " + name + " not found"));
  }
  // Placement takes only READY workers; what runs there finishes undisturbed.
  if (it->second.info.state == WorkerState::kReady) {
    it->second.info.state = WorkerState::kDraining;
    spdlog::info("worker draining worker={}", name);
  }
  done(Status::Ok());
}

std::vector<WorkerInfo> Scheduler::Impl::ListWorkers() const {
  std::vector<WorkerInfo> out;
  for (const auto& [name, w] : workers_) out.push_back(w.info);
  return out;
}


}  // namespace pipegrid::master
