// /metrics in the Prometheus text exposition format 0.0.4, and the same
// figures as InfluxDB line protocol (ApiOptions::influx_url).
//
// The figures are gathered into a MetricsSnapshot (GatherMetrics) so that
// rendering is a pure function a test can check line by line. The metric
// names and labels are a contract: alerts and dashboards (deploy/) use them.
// docs/architecture.md "Observability" lists them.
//
// Thread-safety: everything here is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "api/request_stats.h"
#include "api/router.h"
#include "common/histogram.h"
#include "master/scheduler.h"
#include "store/committer.h"
#include "store/store.h"

namespace pipegrid::api {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// How long handlers take to answer, by route pattern (never the raw path, so
// the series stay few), for pipegrid_http_request_duration_seconds.
class RequestLatency {
 public:
  void Observe(const std::string& route, double seconds);
  // Sorted by route.
  std::vector<std::pair<std::string, HistogramSnapshot>> Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Histogram<buckets::kHttpSeconds>>>
      by_route_;  // guarded by mu_
};

struct WorkerSlots {
  std::string name;
  int slots = 0;
  int slots_free = 0;
};

struct MetricsSnapshot {
  // Keyed by state / outcome name as the store reports them. Every state and
  // every outcome is rendered, with 0 where the map has no entry.
  std::map<std::string, int64_t> jobs_by_state;
  std::map<std::string, int64_t> tasks_by_state;
  std::map<std::string, int64_t> attempts_by_outcome;
  int64_t dead_letters_now = 0;  // in the dead-letter list now

  // From the scheduler's counters (since this process started).
  uint64_t submits = 0;
  uint64_t attempts_started = 0;
  uint64_t retries = 0;
  uint64_t dead_letters = 0;
  uint64_t stale_results = 0;  // refused by fencing
  uint64_t workers_lost = 0;
  int64_t queue_depth = 0;
  std::map<std::string, HistogramSnapshot> task_seconds;  // by outcome name; missing: empty
  HistogramSnapshot queue_wait = EmptySnapshot<buckets::kQueueWaitSeconds>();

  // From the scheduler's worker table: every WorkerState is rendered.
  std::map<std::string, int64_t> workers_by_state;
  std::vector<WorkerSlots> worker_slots;

  HistogramSnapshot commit_seconds = EmptySnapshot<buckets::kCommitSeconds>();
  HistogramSnapshot commit_batches = EmptySnapshot<buckets::kCommitBatches>();

  std::vector<RequestCount> http_requests;
  std::vector<std::pair<std::string, HistogramSnapshot>> http_latency;
  bool ready = false;
};

// Where the figures come from. References and pointers must outlive every
// call that uses them; null pointers leave their figures empty (zeros).
struct MetricsSources {
  store::Store& store;
  const master::SchedulerCounters& counters;
  std::function<bool()> ready;
  std::shared_ptr<RequestStats> requests;
  master::Scheduler* scheduler = nullptr;  // for the workers
  const store::GroupCommitter* committer = nullptr;
  std::shared_ptr<RequestLatency> latency;
};

// Reads every figure: the store's counts on the calling thread, then the
// workers through the scheduler's loop. `done` runs once, on the scheduler's
// loop thread (on the calling thread without a scheduler): it must not block
// or render there, only hand the snapshot on.
void GatherMetrics(const MetricsSources& sources,
                   std::function<void(Result<MetricsSnapshot>)> done);

std::string RenderMetrics(const MetricsSnapshot& snapshot);

// The same families as InfluxDB line protocol, one line per series, no
// timestamp (the server stamps the write): `name,label=value value=N`; a
// histogram series has the fields `count`, `sum` and one per bucket named by
// its upper bound ("0.5", "+Inf"), cumulative as in Prometheus. All values
// are floats, so a field never changes type between writes.
std::string RenderInfluxLines(const MetricsSnapshot& snapshot);

// Escapes a label value: backslash, double quote and newline.
std::string EscapeLabelValue(const std::string& value);

// GET /healthz, /readyz and /metrics from `sources`.
void AddHealthRoutes(Router& router, MetricsSources sources);

}  // namespace pipegrid::api
