// Scheduler internals. Everything here runs on the loop thread; the file split
// is by concern: submit.cc (submit, retry, requeue, delete), lifecycle.cc
// (attempt reports, task and job transitions), dispatch.cc (queue and
// placement), control.cc (cancel, timeouts, shutdown, workers), recovery.cc.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

#include "common/event_loop.h"
#include "common/ids.h"
#include "master/runtime.h"
#include "master/scheduler.h"
#include "master/txn.h"
#include "store/committer.h"
#include "store/store.h"

namespace pipegrid::master {

class Scheduler::Impl {
 public:
  Impl(EventLoop& loop, store::Store& store, store::Committer& committer, IdGenerator& ids,
       SchedulerOptions options, SchedulerCounters& counters);

  // submit.cc
  // A submit's pure work, done on the caller's thread (Scheduler::Submit)
  // so that the loop does not spend it: its DAG and the canonical JSON of
  // the spec - left empty for a legacy spec, whose name (in the JSON) is
  // known only on the loop.
  struct Prepared {
    Result<spec::Dag> dag;
    std::string spec_json;
  };
  static Prepared Prepare(const spec::JobSpec& spec);
  void Submit(spec::JobSpec spec, Prepared prepared, Reply<Result<SubmitResult>> done);
  void Retry(const std::string& job_id, Reply<Status> done);
  void RequeueDeadLetter(const std::string& task_id, Reply<Status> done);
  void Delete(const std::string& job_id, Reply<Status> done);
  void Purge(std::vector<std::string> job_ids, Reply<Status> done);

  // control.cc
  void Cancel(const std::string& job_id, bool kill, Reply<Status> done);
  void Shutdown(Millis grace, Reply<Status> done, bool interrupt_attempts);

  // fleet.cc
  void ConnectWorker(WorkerRegistration reg, protocol::WorkerChannel* channel,
                     Reply<Result<WorkerSession>> done);
  void WorkerHeartbeat(const std::string& name, uint64_t session);
  void WorkerDraining(const std::string& name, uint64_t session);
  void DisconnectWorker(const std::string& name, uint64_t session, Reply<Status> done);
  void DeregisterWorker(const std::string& name, uint64_t session, Reply<Status> done);
  void DrainWorker(const std::string& name, Reply<Status> done);
  std::vector<WorkerInfo> ListWorkers() const;

  // lifecycle.cc
  void OnStarted(const protocol::AttemptStarted& msg);
  void OnFinished(const protocol::AttemptFinished& msg);

  // recovery.cc
  Status Recover();

 private:
  // --- transitions (lifecycle.cc) ---
  void SetTaskState(Txn& txn, TaskRt& task, TaskState to, std::string reason);
  void SetJobState(Txn& txn, JobRt& job, JobState to, std::string reason);
  void AddEvent(Txn& txn, const JobRt& job, const TaskRt* task, int attempt, std::string type,
                std::string_view from, std::string_view to, std::string reason);
  // Ends the task's current attempt with `outcome` and decides what follows:
  // success, retry, requeue, dead letter or cancellation.
  void EndAttempt(Txn& txn, TaskRt& task, const protocol::AttemptFinished& msg);
  // ASSIGNED -> RUNNING: the worker reports the attempt's processes exist.
  void MarkStarted(Txn& txn, TaskRt& task, int64_t pgid, WallTime started_at);
  void OnTaskSucceeded(Txn& txn, TaskRt& task);
  // Moves a success's staged files (msg.workspace, on the master) into
  // <outputs_dir>/<job>/<task>/ and records their manifest.
  void KeepOutputs(Txn& txn, TaskRt& task, const protocol::AttemptFinished& msg);
  void DiscardOutputs(const protocol::AttemptFinished& msg);
  void OnTaskFailedForGood(Txn& txn, TaskRt& task, Outcome outcome, const std::string& reason);
  void ScheduleRetry(Txn& txn, TaskRt& task, const std::string& reason);
  void SkipDependents(Txn& txn, TaskRt& task);
  // Finishes the job when no task can make progress any more.
  void MaybeFinishJob(Txn& txn, JobRt& job);
  // After a dead letter's requeue: its SKIPPED downstream tasks wait again,
  // unless another failed upstream task still condemns them.
  void ReviveSkippedDependents(Txn& txn, TaskRt& revived);
  // spec.timeout counts again from now (retry, requeue).
  void RestartDeadline(JobRt& job);
  void MakeReady(Txn& txn, TaskRt& task, std::string reason);  // -> QUEUED
  void ArmRetryTimer(TaskRt& task, Millis delay);
  void OnRetryTimer(const std::string& task_id);

  // --- queue and placement (dispatch.cc) ---
  void Enqueue(TaskRt& task);
  void Dequeue(TaskRt& task);
  void Dispatch(Txn& txn);
  WorkerRt* PickWorker(const TaskRt& task);
  int RunningOfJob(const WorkerRt& w, const JobRt& job) const;
  // Why no registered worker could ever run the task ("" if one could).
  std::string WhyNoWorkerFits(const TaskRt& task) const;
  void StartAttempt(Txn& txn, TaskRt& task, WorkerRt& worker);
  void FreeWorkerSlot(TaskRt& task);

  // --- fan-out (fanout.cc) ---
  // A forEach task whose dependencies are met: one instance per item, queued.
  void Expand(Txn& txn, TaskRt& group);
  Result<std::vector<std::string>> ForEachItems(const TaskRt& group) const;
  // Decides a group's state from its instances once none can change any more.
  void SettleGroup(Txn& txn, TaskRt& group);

  // --- control (control.cc) ---
  // Stops every unfinished task of the job: those not started end CANCELLED at
  // once, running attempts are asked to stop with `outcome`.
  // The job ends in `final_state` once they have; job.rec.reason = reason.
  void StopJob(Txn& txn, JobRt& job, Outcome outcome, JobState final_state, std::string reason,
               Millis grace);
  void ArmJobTimeout(JobRt& job);
  void OnJobTimeout(const std::string& job_id);
  void MaybeFinishShutdown();
  // Asks the attempt's worker to stop it, once the txn is durable.
  void SendStop(Txn& txn, const std::string& worker, protocol::StopRequest req);

  // --- fleet (fleet.cc) ---
  // Settles what a (re)connecting worker reports against what the master
  // believes it holds; fills the session's adopt and kill lists.
  void Reconcile(Txn& txn, WorkerRt& w, const WorkerRegistration& reg, WorkerSession& session);
  // Ends every attempt the worker holds with `outcome`.
  void EndWorkerAttempts(Txn& txn, WorkerRt& w, Outcome outcome, const std::string& reason);
  // The attempt's worker no longer runs it: lost if it started, queued again
  // unharmed if the assignment never reached the worker.
  void EndVanishedAttempt(Txn& txn, TaskRt& task, const std::string& reason);
  // Placeholder for a worker named by attempts found running at Recover():
  // not connected, holding them until it reports back or its lease ends.
  WorkerRt& AwaitWorker(const std::string& name);
  void ArmLeaseSweep();
  void SweepLeases();
  Millis HeartbeatInterval() const;

  // --- store and memory ---
  // Commits the message's changes, then runs its effects on the loop.
  void Flush(Txn& txn);
  JobRt* FindJob(const std::string& id);
  // Builds the runtime of a job from its rows (recovery, retry of a finished job).
  Result<JobRt*> LoadJob(const store::JobRecord& rec);
  JobRt& AddJob(std::unique_ptr<JobRt> job);
  void ForgetJob(const std::string& id);  // after a finished job's commit
  void UpdateQueueGauge();

  EventLoop& loop_;
  store::Store& store_;
  store::Committer& committer_;
  IdGenerator& ids_;
  SchedulerOptions options_;
  SchedulerCounters& counters_;
  std::mt19937_64 rng_;

  std::map<std::string, std::unique_ptr<JobRt>> jobs_;               // unfinished (and
                                                                     // finishing) jobs
  std::map<std::pair<std::string, std::string>, std::string> by_external_id_;  // (ns, ext) -> id
  std::unordered_map<std::string, TaskRt*> attempts_;  // current attempt id -> task
  std::unordered_map<std::string, TaskRt*> tasks_by_id_;
  std::set<QueueKey> queue_;
  std::map<std::string, WorkerRt> workers_;
  uint64_t next_session_ = 1;
  EventLoop::TimerId lease_timer_ = 0;
  uint64_t next_job_order_ = 1;

  // Jobs whose delete is committing: the store still has them, but retry,
  // requeue and cancel must act as if they were gone (never load them back).
  std::set<std::string> deleting_;
  bool shutting_down_ = false;
  std::vector<Reply<Status>> shutdown_waiters_;
};

}  // namespace pipegrid::master
