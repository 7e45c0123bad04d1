// The scheduler: owns every unfinished job's tasks and attempts and every
// worker's slots, on one loop thread (STYLE "One thread owns the scheduler").
//
// Public methods are thread-safe: they post a message to the loop and answer
// through the callback, which runs on the loop thread and must not block
// (re-post to your own executor). Every state change is committed to the store
// before anyone outside hears of it: replies, assignments to workers and stop
// requests are sent from the commit callback.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/event_loop.h"
#include "common/ids.h"
#include "common/states.h"
#include "common/status.h"
#include "common/worker_protocol.h"
#include "common/histogram.h"
#include "spec/job_spec.h"
#include "store/committer.h"
#include "store/store.h"

namespace pipegrid::master {

struct SchedulerOptions {
  Millis cancel_grace{10'000};  // SIGTERM -> SIGKILL on cancel
  uint64_t rng_seed = 0;        // jitter; 0: random
  // A worker silent this long is LOST and its attempts end `lost` (DESIGN
  // §4). Also how long attempts found running at Recover() wait for their
  // worker to come back and report them.
  Millis worker_timeout{10'000};
  // A GONE worker is listed this long after it left (DESIGN §3).
  Millis gone_retention{3'600'000};
  // forEach: more items than this fail the task (--max-fanout).
  int max_fanout = 10'000;
  // outputs.files of one attempt, in all (--max-output-bytes).
  int64_t max_output_bytes = 1LL << 30;
  // Where tasks' kept files live: <outputs_dir>/<job>/<task>/<path>. A
  // forEach `from: T, file: F` reads T's F from there.
  std::string outputs_dir;
};

struct SubmitResult {
  std::string job_id;
  bool created = false;  // false: an identical job with this externalId existed
};

struct WorkerInfo {
  std::string name;
  WorkerState state = WorkerState::kReady;
  std::map<std::string, std::string> labels;
  int slots = 0;
  int slots_free = 0;
  double cpu = 0;
  int64_t memory = 0;
  std::string version;
  WallTime last_heartbeat_at{};
  // False between a broken stream and the worker's return (or its lease
  // running out): nothing is assigned to it meanwhile.
  bool connected = false;
  int running = 0;  // attempts it holds
};

// An attempt a (re)connecting worker still runs.
struct RunningAttemptReport {
  std::string attempt_id;
  int64_t pgid = 0;
  WallTime started_at{};
  bool waiting = false;  // prefetched, not started yet
};

struct WorkerRegistration {
  std::string name;
  // Kept in the worker's work dir: the same machine coming back has the same
  // one (DESIGN §7, issue 4 item 4). Empty: the registration of an embedded
  // or test worker that never reconnects.
  std::string instance_id;
  std::map<std::string, std::string> labels;
  std::string zone;
  int slots = 1;
  // Assignments it may hold beyond `slots`, waiting for a slot (prefetch).
  int prefetch = 0;
  double cpu = 0;
  int64_t memory = 0;
  std::string version;
  // What it still runs from an earlier session, and results it holds that
  // may not have reached the master (sent while the stream broke).
  std::vector<RunningAttemptReport> running;
  std::vector<protocol::AttemptFinished> finished;
  bool draining = false;  // it came back mid-drain: DRAINING at once
};

// An attempt the master lets a reconnecting worker keep running.
struct AdoptedAttempt {
  std::string attempt_id;
  std::string job_id;
  std::string task_name;
  int attempt_number = 0;
};

// The answer to a registration: the worker's session.
struct WorkerSession {
  uint64_t id = 0;  // names the session in later calls; stale sessions are ignored
  std::vector<AdoptedAttempt> adopt;
  std::vector<std::string> kill;  // reported running but no longer wanted
  Millis lease{0};
  Millis heartbeat_interval{0};
};

// QUEUED -> ASSIGNED waits, for pipegrid_queue_wait_seconds. Remembers when
// each queued task entered the queue.
//
// Thread-safety: Enqueued(), Dequeued() and Assigned() run on the scheduler
// loop only (the start times are its private state); Snapshot() from any
// thread (the histogram is lock-free).
class QueueWaitRecorder {
 public:
  void Enqueued(const std::string& task_id, MonoTime now) { since_.emplace(task_id, now); }
  // Left the queue without a slot (cancelled, stopped).
  void Dequeued(const std::string& task_id) { since_.erase(task_id); }
  void Assigned(const std::string& task_id, MonoTime now) {
    auto it = since_.find(task_id);
    if (it == since_.end()) return;
    histogram_.Observe(std::chrono::duration<double>(now - it->second).count());
    since_.erase(it);
  }
  HistogramSnapshot Snapshot() const { return histogram_.Snapshot(); }

 private:
  std::unordered_map<std::string, MonoTime> since_;  // loop thread only
  Histogram<buckets::kQueueWaitSeconds> histogram_;
};

// Figures for /metrics. Written on the loop thread with relaxed atomics, so
// the hot path takes no lock; read from any thread.
struct SchedulerCounters {
  std::atomic<uint64_t> submits{0};
  std::atomic<uint64_t> attempts_started{0};
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> dead_letters{0};
  std::atomic<int64_t> queue_depth{0};
  std::atomic<uint64_t> stale_results{0};  // refused by fencing
  std::atomic<uint64_t> workers_lost{0};
  // Attempt start -> finish (attempts that started), by outcome in the order
  // of kAllOutcomes.
  std::array<Histogram<buckets::kTaskSeconds>, kAllOutcomes.size()> task_seconds;
  QueueWaitRecorder queue_wait;
};

class Scheduler : public protocol::MasterChannel {
 public:
  template <typename T>
  using Reply = std::function<void(T)>;

  Scheduler(EventLoop& loop, store::Store& store, store::Committer& committer,
            IdGenerator& ids, SchedulerOptions options);
  ~Scheduler() override;

  // Loop thread, before serving: rebuilds unfinished jobs from the store.
  // Attempts that were running when the previous process died end `lost` and
  // their tasks are queued again (their leftover processes were killed by the
  // worker before this runs).
  [[nodiscard]] Status Recover();

  // Thread-safe API for the HTTP layer.
  void Submit(spec::JobSpec spec, Reply<Result<SubmitResult>> done);
  void Cancel(const std::string& job_id, bool kill, Reply<Status> done);
  void Retry(const std::string& job_id, Reply<Status> done);
  void Delete(const std::string& job_id, Reply<Status> done);
  // Retention: deletes those of `job_ids` that are finished and not in use
  // (a job retried meanwhile is skipped). Answers once committed.
  void Purge(std::vector<std::string> job_ids, Reply<Status> done);
  void RequeueDeadLetter(const std::string& task_id, Reply<Status> done);
  void ListWorkers(Reply<std::vector<WorkerInfo>> done);
  // Stops accepting submits (Unavailable), stops every running attempt with
  // outcome `interrupted` and answers once they are all recorded. With
  // interrupt_attempts false (a master restarting under remote workers) the
  // attempts keep running and are adopted by the next master.
  void Shutdown(Millis grace, Reply<Status> done, bool interrupt_attempts = true);

  // Workers (DESIGN §4, issue 4). A channel stays in use from its
  // registration until DisconnectWorker's or DeregisterWorker's reply, or
  // until the scheduler calls its Close() (lease lost, replaced by a newer
  // session of the same worker): its owner keeps it alive until then.
  //
  // Registers a worker session. The same name with another instance id while
  // the old one is live: FailedPrecondition. Otherwise it replaces any old
  // session of the name and reconciles attempts: reported results are
  // recorded (fenced), running attempts that are still current are adopted,
  // the rest are to be killed, and attempts the worker held but no longer
  // reports end `lost` (or are queued again unharmed if they never started).
  void ConnectWorker(WorkerRegistration reg, protocol::WorkerChannel* channel,
                     Reply<Result<WorkerSession>> done);
  // ConnectWorker for a worker with no history (tests, simple embeddings).
  void RegisterWorker(WorkerRegistration reg, protocol::WorkerChannel* channel,
                      Reply<Status> done);
  // Renews the session's lease.
  void WorkerHeartbeat(const std::string& name, uint64_t session);
  // The worker itself stops taking work (SIGTERM): DRAINING.
  void WorkerDraining(const std::string& name, uint64_t session);
  // The session's stream ended without a Deregister: nothing more is
  // assigned to it; its attempts stay its own until its lease runs out.
  void DisconnectWorker(const std::string& name, uint64_t session, Reply<Status> done);
  // Graceful leave: GONE; attempts it still held end `lost`. session 0: any.
  void DeregisterWorker(const std::string& name, uint64_t session = 0,
                        Reply<Status> done = nullptr);
  // No new attempts go to the worker; it is asked to finish what it runs
  // (within its drain grace, then hand the rest back) and leave. NotFound if
  // unknown.
  void DrainWorker(const std::string& name, Reply<Status> done);

  // protocol::MasterChannel: reports from workers (thread-safe).
  void Started(protocol::AttemptStarted msg) override;
  void Finished(protocol::AttemptFinished msg) override;

  const SchedulerCounters& counters() const { return counters_; }

 private:
  class Impl;
  EventLoop& loop_;
  SchedulerCounters counters_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pipegrid::master
