// Deletes finished jobs older than the retention period, with their tasks,
// attempts, events, dead letters and logs, in small batches on its own thread,
// so a large backlog cannot stall scheduling. It finds candidates in the store
// and deletes through `purge` (Scheduler::Purge), which skips any job the
// scheduler has taken back into memory meanwhile (a retry, a requeue).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "store/store.h"

namespace pipegrid::master {

struct RetentionOptions {
  Millis retention{7LL * 24 * 3600 * 1000};  // 0: keep everything
  Millis interval{60'000};                   // between sweeps
  int batch_size = 100;                      // jobs per commit
  std::string log_dir;                       // <log_dir>/<job_id> goes with its job
  std::string outputs_dir;                   // and so does <outputs_dir>/<job_id>
};

class RetentionSweeper {
 public:
  // Deletes the given finished jobs and answers once that is durable.
  using PurgeFn =
      std::function<void(std::vector<std::string> job_ids, std::function<void(Status)> done)>;

  RetentionSweeper(store::Store& store, PurgeFn purge, const Clock& clock,
                   RetentionOptions options);
  ~RetentionSweeper();  // Stop()

  void Start();
  void Stop();  // idempotent; wakes the thread at once
  // One full sweep on the calling thread. Returns the number of jobs deleted.
  [[nodiscard]] Result<int> SweepOnce();

 private:
  void ThreadMain();

  store::Store& store_;
  PurgeFn purge_;
  const Clock& clock_;
  RetentionOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace pipegrid::master
