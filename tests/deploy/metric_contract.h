// The metric names /metrics exposes (the contract of issue 5), with their
// types: the operations kit under deploy/ may name only these. A histogram
// `h` is queried as `h_bucket`, `h_sum` and `h_count`.
//
// Kept by hand because the exposition code renders names inline; a new
// metric is added here in the same change that exports it.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace pipegrid::deploy {

enum class MetricType { kCounter, kGauge, kHistogram };

struct MetricSpec {
  std::string_view name;
  MetricType type;
};

inline constexpr std::array<MetricSpec, 21> kMetricContract = {{
    {"pipegrid_jobs", MetricType::kGauge},
    {"pipegrid_tasks", MetricType::kGauge},
    {"pipegrid_submits_total", MetricType::kCounter},
    {"pipegrid_attempts_started_total", MetricType::kCounter},
    {"pipegrid_attempts_total", MetricType::kCounter},
    {"pipegrid_retries_total", MetricType::kCounter},
    {"pipegrid_dead_letters_total", MetricType::kCounter},
    {"pipegrid_dead_letters", MetricType::kGauge},
    {"pipegrid_stale_results_total", MetricType::kCounter},
    {"pipegrid_workers_lost_total", MetricType::kCounter},
    {"pipegrid_queue_depth", MetricType::kGauge},
    {"pipegrid_task_duration_seconds", MetricType::kHistogram},
    {"pipegrid_queue_wait_seconds", MetricType::kHistogram},
    {"pipegrid_workers", MetricType::kGauge},
    {"pipegrid_worker_slots", MetricType::kGauge},
    {"pipegrid_worker_slots_free", MetricType::kGauge},
    {"pipegrid_store_commit_seconds", MetricType::kHistogram},
    {"pipegrid_store_commit_batches", MetricType::kHistogram},
    {"pipegrid_http_requests_total", MetricType::kCounter},
    {"pipegrid_http_request_duration_seconds", MetricType::kHistogram},
    {"pipegrid_ready", MetricType::kGauge},
}};

// The contract metric a series name belongs to ("pipegrid_queue_wait_seconds"
// for "pipegrid_queue_wait_seconds_bucket"), or nullopt when it names none.
std::optional<std::string> ContractMetricOf(std::string_view series);

}  // namespace pipegrid::deploy
