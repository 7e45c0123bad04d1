// ChangeFeed: tells followers (log and event streams) that the store has
// committed something they may care about, so they re-read it instead of
// polling. It carries no data: a follower reads what it needs from the store,
// which only ever shows committed state.
//
// Publish() is called by the GroupCommitter's observer after each successful
// commit with the merged batch. A subscriber to one job is woken when the
// batch touches that job (its row, a task, an attempt, an event, a dead
// letter, its deletion); a subscriber to all jobs is woken when the batch
// carries events.
//
// Thread-safety: every method is thread-safe. Callbacks run on the publishing
// thread (the committer's), under the feed's lock, so once a Subscription is
// destroyed its callback is not running and never runs again. A callback must
// therefore be quick and must not block or touch the feed (subscribe,
// unsubscribe): post to your own executor and coalesce there.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/records.h"

namespace pipegrid::logs {

class ChangeFeed {
 public:
  using Callback = std::function<void()>;

  // Unsubscribes on destruction. Move-only; must not outlive its feed.
  class Subscription {
   public:
    Subscription() = default;
    ~Subscription() { Reset(); }
    Subscription(Subscription&& other) noexcept;
    Subscription& operator=(Subscription&& other) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    void Reset();

   private:
    friend class ChangeFeed;
    Subscription(ChangeFeed* feed, std::string job_id, uint64_t id)
        : feed_(feed), job_id_(std::move(job_id)), id_(id) {}
    ChangeFeed* feed_ = nullptr;
    std::string job_id_;
    uint64_t id_ = 0;
  };

  ChangeFeed() = default;
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // `job_id` empty: every commit that carries events.
  [[nodiscard]] Subscription Subscribe(std::string job_id, Callback on_change);

  void Publish(const store::Batch& committed);

  // How many subscriptions are live: every follow stream holds one, so this
  // is the number of followers (and shows that a gone client let go).
  size_t subscribers() const;

 private:
  void Unsubscribe(const std::string& job_id, uint64_t id);

  mutable std::mutex mu_;
  uint64_t next_id_ = 1;                   // guarded by mu_
  std::map<uint64_t, Callback> all_jobs_;  // guarded by mu_
  // Entries are erased with their last subscriber.
  std::unordered_map<std::string, std::map<uint64_t, Callback>> by_job_;  // guarded by mu_
};

}  // namespace pipegrid::logs
