// /metrics in the Prometheus text exposition format 0.0.4.
//
// The numbers are gathered by the caller (store counts, scheduler counters,
// request stats) so that rendering is a pure function a test can check line
// by line. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api/request_stats.h"

namespace pipegrid::api {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

struct MetricsSnapshot {
  // Keyed by state / outcome name as the store reports them. Every state and
  // every outcome is rendered, with 0 where the map has no entry.
  std::map<std::string, int64_t> jobs_by_state;
  std::map<std::string, int64_t> tasks_by_state;
  std::map<std::string, int64_t> attempts_by_outcome;

  // From the scheduler's counters (since this process started).
  uint64_t submits = 0;
  uint64_t attempts_started = 0;
  uint64_t retries = 0;
  uint64_t dead_letters = 0;
  int64_t queue_depth = 0;

  std::vector<RequestCount> http_requests;
};

std::string RenderMetrics(const MetricsSnapshot& snapshot);

// Escapes a label value: backslash, double quote and newline.
std::string EscapeLabelValue(const std::string& value);

}  // namespace pipegrid::api
