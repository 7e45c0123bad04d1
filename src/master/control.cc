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
        if (task.is_group()) break;  // its instances stop; it settles below
        task.stop_sent = true;
        SendStop(txn, task.attempt->worker, {task.attempt->id, outcome, grace});
        break;
      }
      default:
        break;
    }
  }
  for (auto& tp : job.tasks) {
    if (tp->is_group()) SettleGroup(txn, *tp);
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

void Scheduler::Impl::Shutdown(Millis grace, Reply<Status> done, bool interrupt_attempts) {
  shutting_down_ = true;
  Txn txn;
  if (interrupt_attempts) {
    for (auto& [id, task] : attempts_) {
      if (task->stop_sent) continue;
      task->stop_sent = true;
      SendStop(txn, task->attempt->worker, {id, Outcome::kInterrupted, grace});
    }
    shutdown_waiters_.push_back(std::move(done));
  } else {
    // Remote attempts outlive this process; an empty commit orders the reply
    // after every earlier one.
    txn.AfterCommit([done = std::move(done)] { done(Status::Ok()); });
  }
  Flush(txn);
  MaybeFinishShutdown();
}

void Scheduler::Impl::SendStop(Txn& txn, const std::string& worker, protocol::StopRequest req) {
  // Looked up again once durable: the worker may have gone meanwhile. A
  // disconnected worker hears of the stop when it comes back (Reconcile).
  txn.AfterCommit([this, worker, req] {
    auto it = workers_.find(worker);
    if (it != workers_.end() && it->second.channel != nullptr) it->second.channel->Stop(req);
  });
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

}  // namespace pipegrid::master
