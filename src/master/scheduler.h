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
};

struct WorkerRegistration {
  std::string name;
  std::map<std::string, std::string> labels;
  std::string zone;
  int slots = 1;
  double cpu = 0;
  int64_t memory = 0;
  std::string version;
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
  // outcome `interrupted` and answers once they are all recorded.
  void Shutdown(Millis grace, Reply<Status> done);

  // Workers. The channel must outlive the registration (until Deregister).
  void RegisterWorker(WorkerRegistration reg, protocol::WorkerChannel* channel,
                      Reply<Status> done);
  void DeregisterWorker(const std::string& name);
  // No new attempts go to the worker; running ones finish. NotFound if unknown.
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
