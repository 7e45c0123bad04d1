// Histograms with fixed buckets for /metrics (Prometheus `le` semantics: a
// value lands in the first bucket whose upper bound is >= the value).
//
// Header-only on purpose: the store's committer and the scheduler record into
// these without linking pg_logs (it belongs in common/ once that is open for
// change; nothing here is about logs).
//
// Thread-safety: Observe() is lock-free (relaxed atomics), so a hot path (the
// scheduler loop, the committer) records without taking a lock a scrape could
// hold. Snapshot() may run concurrently; it sees every bucket at some recent
// value, and its count is the sum of the buckets it saw, so `_count` always
// equals the `+Inf` bucket of what is rendered.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace pipegrid {

struct HistogramSnapshot {
  std::vector<double> bounds;    // ascending upper bounds; +Inf is implied
  std::vector<uint64_t> counts;  // per bucket, NOT cumulative; size bounds + 1
  double sum = 0;

  uint64_t count() const {
    uint64_t n = 0;
    for (uint64_t c : counts) n += c;
    return n;
  }
};

// What a histogram over `kBounds` that saw nothing reports.
template <const auto& kBounds>
HistogramSnapshot EmptySnapshot() {
  return {std::vector<double>(kBounds.begin(), kBounds.end()),
          std::vector<uint64_t>(kBounds.size() + 1, 0), 0};
}

// `kBounds` is a constexpr std::array<double, N> of ascending upper bounds.
template <const auto& kBounds>
class Histogram {
 public:
  void Observe(double value) {
    auto it = std::lower_bound(kBounds.begin(), kBounds.end(), value);
    counts_[static_cast<size_t>(it - kBounds.begin())].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
  }

  HistogramSnapshot Snapshot() const {
    HistogramSnapshot s;
    s.bounds.assign(kBounds.begin(), kBounds.end());
    s.counts.reserve(counts_.size());
    for (const auto& c : counts_) s.counts.push_back(c.load(std::memory_order_relaxed));
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts_{};
  std::atomic<double> sum_{0};
};

// Bucket bounds shared by the producers and the tests.
namespace buckets {
// Seconds an attempt ran: short scripts to multi-hour batch steps.
inline constexpr std::array<double, 12> kTaskSeconds = {0.1, 0.5, 1,   5,    10,   30,
                                                        60,  300, 900, 1800, 3600, 10800};
// Seconds a task waited QUEUED for a slot.
inline constexpr std::array<double, 13> kQueueWaitSeconds = {0.005, 0.01, 0.05, 0.1, 0.5, 1,   5,
                                                             10,    30,   60,   300, 900, 3600};
// Seconds one group commit (one SQLite transaction) took.
inline constexpr std::array<double, 12> kCommitSeconds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                          0.05,   0.1,   0.25,   0.5,   1,    2.5};
// Scheduler batches merged into one commit.
inline constexpr std::array<double, 10> kCommitBatches = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
// Seconds from a request to its handler's answer (for a stream: its start).
inline constexpr std::array<double, 12> kHttpSeconds = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                        0.25,  0.5,   1,    2.5,   5,    10};
}  // namespace buckets

}  // namespace pipegrid
