// Group commit: batches handed in while a commit is running are merged and
// written together in the next one, so many state changes share one fsync.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "store/store.h"

namespace pipegrid::store {

class Committer {
 public:
  using Done = std::function<void(Status)>;
  virtual ~Committer() = default;
  // Thread-safe. `done` runs once the batch is durable (or failed), on the
  // committer's thread (GroupCommitter) or inline (InlineCommitter): callers
  // that own a loop re-post to it.
  virtual void Commit(Batch batch, Done done) = 0;
};

// Applies each batch at once on the calling thread. For tests and tools.
class InlineCommitter final : public Committer {
 public:
  explicit InlineCommitter(Store& store) : store_(store) {}
  void Commit(Batch batch, Done done) override { done(store_.Apply(batch)); }

 private:
  Store& store_;
};

struct CommitStats {
  uint64_t commits = 0;
  uint64_t batches = 0;        // batches merged into those commits
  double commit_seconds = 0;   // total time spent in Apply
};

// Owns a thread that merges pending batches into one Store::Apply.
class GroupCommitter final : public Committer {
 public:
  GroupCommitter(Store& store, const Clock& clock);
  ~GroupCommitter() override;  // Stop()
  void Commit(Batch batch, Done done) override;
  // Commits what is pending, then ends the thread. Idempotent. Commit() after
  // Stop() fails with Unavailable.
  void Stop();
  CommitStats stats() const;

 private:
  void ThreadMain();

  Store& store_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<Batch, Done>> pending_;  // guarded by mu_
  bool stopping_ = false;                        // guarded by mu_
  CommitStats stats_;                            // guarded by mu_
  std::thread thread_;
};

}  // namespace pipegrid::store
