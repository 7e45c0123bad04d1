// Rebuilding the scheduler's memory from the store at start (DESIGN §4).
#include <spdlog/spdlog.h>

#include "master/scheduler_impl.h"

namespace pipegrid::master {
namespace {

// An unfinished job with a reason was being stopped when the process died;
// the reason says how (see StopJob).
std::pair<Outcome, JobState> StopOf(const std::string& reason) {
  if (reason == "cancelled") return {Outcome::kCancelled, JobState::kCancelled};
  if (reason == "killed") return {Outcome::kKilled, JobState::kCancelled};
  if (reason == "timeout") return {Outcome::kTimeout, JobState::kFailed};
  return {Outcome::kCancelled, JobState::kFailed};  // failFast
}

bool IsStopReason(const std::string& reason) {
  return reason == "cancelled" || reason == "killed" || reason == "timeout" ||
         reason.rfind("failFast:", 0) == 0;
}

}  // namespace

Status Scheduler::Impl::Recover() {
  PG_DCHECK(loop_.InLoopThread());
  PG_ASSIGN_OR_RETURN(std::vector<store::JobRecord> recs, store_.ListUnfinishedJobs());
  // Ids are time-ordered: this restores first-come-first-served among equals.
  std::sort(recs.begin(), recs.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  Txn txn;
  size_t awaiting = 0;
  for (const store::JobRecord& rec : recs) {
    PG_ASSIGN_OR_RETURN(JobRt * job, LoadJob(rec));
    // First the stop that was under way: its unstarted tasks end CANCELLED and
    // its lost attempts below end CANCELLED instead of running again. No
    // worker is registered yet, so no stop request goes out.
    if (IsStopReason(job->rec.reason)) {
      auto [outcome, final_state] = StopOf(job->rec.reason);
      std::string reason = job->rec.reason;
      StopJob(txn, *job, outcome, final_state, reason, options_.cancel_grace);
    }
    for (auto& tp : job->tasks) {
      TaskRt& task = *tp;
      switch (task.rec.state) {
        case TaskState::kAssigned:
        case TaskState::kRunning:
          if (task.is_group()) break;  // its instances are recovered one by one
          if (task.attempt) {
            // Its worker may still run it (a remote worker outlives the
            // master): it waits for the worker to report back, and ends
            // `lost` if it does not within the worker timeout. The embedded
            // worker of `up` died with the process and comes back with
            // nothing, which ends these attempts at once.
            attempts_[task.attempt->id] = &task;
            AwaitWorker(task.attempt->worker).attempts.insert(task.attempt->id);
            ++awaiting;
          } else {
            MakeReady(txn, task, "recovered without an attempt");
          }
          break;
        case TaskState::kQueued:
          Enqueue(task);
          break;
        case TaskState::kRetrying: {
          auto wait = task.rec.retry_at
                          ? std::chrono::duration_cast<Millis>(*task.rec.retry_at -
                                                               loop_.clock().Wall())
                          : Millis(0);
          ArmRetryTimer(task, std::max(wait, Millis(0)));
          break;
        }
        default:
          break;
      }
    }
    MaybeFinishJob(txn, *job);
    if (!IsFinished(job->rec.state)) ArmJobTimeout(*job);
  }
  spdlog::info("recovered jobs={} attempts_awaiting_workers={} queued={}", recs.size(), awaiting,
               queue_.size());
  Flush(txn);
  ArmLeaseSweep();
  return Status::Ok();
}

}  // namespace pipegrid::master
