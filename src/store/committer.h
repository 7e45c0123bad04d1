// Group commit: batches handed in while a commit is running are merged and
// written together in the next one, so many state changes share one fsync.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/histogram.h"
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
  // For a batch nobody waits on (no reply or message depends on it, e.g. a
  // task going RUNNING): it may wait up to the committer's lazy delay for
  // the next commit and share it. Same guarantees as Commit() once `done`
  // runs; by default simply Commit().
  virtual void CommitLazily(Batch batch, Done done) { Commit(std::move(batch), std::move(done)); }
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
  HistogramSnapshot seconds;   // per commit: time spent in Apply
  HistogramSnapshot merged;    // per commit: batches merged into it
};

// Owns a thread that merges pending batches into one Store::Apply.
class GroupCommitter final : public Committer {
 public:
  // Told of every successful commit, with the merged batch, on the
  // committer's thread after the batches' `done` callbacks: live followers
  // (logs::ChangeFeed) re-read the store then. Must be quick and must not
  // block or call back into the committer.
  using Observer = std::function<void(const Batch& committed)>;

  // `lazy_delay`: how long a CommitLazily() batch may wait for company
  // (0: it is committed like any other).
  GroupCommitter(Store& store, const Clock& clock,
                 std::chrono::microseconds lazy_delay = std::chrono::microseconds(0));
  ~GroupCommitter() override;  // Stop()
  void Commit(Batch batch, Done done) override;
  void CommitLazily(Batch batch, Done done) override;
  // Commits what is pending, then ends the thread. Idempotent. Commit() after
  // Stop() fails with Unavailable.
  void Stop();
  // Thread-safe; replaces the previous observer. Commits already under way
  // may still go to the previous one.
  void SetObserver(Observer observer);
  CommitStats stats() const;

 private:
  void Enqueue(Batch batch, Done done, bool lazy);
  void ThreadMain();

  Store& store_;
  const Clock& clock_;
  const std::chrono::microseconds lazy_delay_;
  mutable std::mutex mu_;
  std::condition_variable cv_;

  std::vector<std::pair<Batch, Done>> pending_;  // guarded by mu_
  // Guarded by mu_: how many of pending_ were handed in by Commit(), and when
  // the oldest lazy one came (pending_ holds only lazy ones while urgent_ == 0).
  size_t urgent_ = 0;
  MonoTime oldest_lazy_{};
  bool stopping_ = false;                        // guarded by mu_
  CommitStats stats_;                            // guarded by mu_ (not the histograms)
  std::shared_ptr<const Observer> observer_;     // guarded by mu_
  // Lock-free, so a scrape never waits on a commit in progress.
  Histogram<buckets::kCommitSeconds> seconds_;
  Histogram<buckets::kCommitBatches> merged_;
  std::thread thread_;
};

}  // namespace pipegrid::store
