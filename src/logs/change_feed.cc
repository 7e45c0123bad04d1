#include "logs/change_feed.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace pipegrid::logs {
namespace {

// Every job the batch touches, each once.
std::vector<std::string_view> JobsOf(const store::Batch& b) {
  std::vector<std::string_view> ids;
  for (const auto& j : b.put_jobs) ids.push_back(j.id);
  for (const auto& t : b.put_tasks) ids.push_back(t.job_id);
  for (const auto& a : b.put_attempts) ids.push_back(a.job_id);
  for (const auto& e : b.events) ids.push_back(e.job_id);
  for (const auto& d : b.put_dead_letters) ids.push_back(d.job_id);
  for (const auto& id : b.delete_jobs) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace

ChangeFeed::Subscription::Subscription(Subscription&& other) noexcept
    : feed_(std::exchange(other.feed_, nullptr)),
      job_id_(std::move(other.job_id_)),
      id_(other.id_) {}

ChangeFeed::Subscription& ChangeFeed::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    Reset();
    feed_ = std::exchange(other.feed_, nullptr);
    job_id_ = std::move(other.job_id_);
    id_ = other.id_;
  }
  return *this;
}

void ChangeFeed::Subscription::Reset() {
  if (feed_ == nullptr) return;
  std::exchange(feed_, nullptr)->Unsubscribe(job_id_, id_);
}

ChangeFeed::Subscription ChangeFeed::Subscribe(std::string job_id, Callback on_change) {
  std::lock_guard lock(mu_);
  uint64_t id = next_id_++;
  if (job_id.empty()) {
    all_jobs_.emplace(id, std::move(on_change));
  } else {
    by_job_[job_id].emplace(id, std::move(on_change));
  }
  return Subscription(this, std::move(job_id), id);
}

void ChangeFeed::Unsubscribe(const std::string& job_id, uint64_t id) {
  std::lock_guard lock(mu_);
  if (job_id.empty()) {
    all_jobs_.erase(id);
    return;
  }
  auto it = by_job_.find(job_id);
  if (it == by_job_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) by_job_.erase(it);
}

size_t ChangeFeed::subscribers() const {
  std::lock_guard lock(mu_);
  size_t n = all_jobs_.size();
  for (const auto& [job, subs] : by_job_) n += subs.size();
  return n;
}

void ChangeFeed::Publish(const store::Batch& committed) {
  std::lock_guard lock(mu_);
  if (!committed.events.empty()) {
    for (const auto& [id, callback] : all_jobs_) callback();
  }
  if (by_job_.empty()) return;  // the common case: nobody follows a job
  for (std::string_view job : JobsOf(committed)) {
    auto it = by_job_.find(std::string(job));
    if (it == by_job_.end()) continue;
    for (const auto& [id, callback] : it->second) callback();
  }
}

}  // namespace pipegrid::logs
