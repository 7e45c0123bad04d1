#include "api/metrics.h"

#include <iterator>

#include <fmt/format.h>

#include "common/states.h"

namespace pipegrid::api {
namespace {

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

int64_t CountOf(const std::map<std::string, int64_t>& counts, std::string_view key) {
  auto it = counts.find(std::string(key));
  return it == counts.end() ? 0 : it->second;
}

// One sample per name in `all`, labelled `label`, zeros included: a series
// that vanishes when its count reaches zero would break rate() and alerts.
template <typename Enum, size_t N>
void ByName(std::string& out, std::string_view metric, std::string_view label,
            const std::array<Enum, N>& all, const std::map<std::string, int64_t>& counts) {
  for (Enum e : all) {
    fmt::format_to(std::back_inserter(out), "{}{{{}=\"{}\"}} {}\n", metric, label, Name(e),
                   CountOf(counts, Name(e)));
  }
}

}  // namespace

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string RenderMetrics(const MetricsSnapshot& s) {
  std::string out;
  auto sample = [&out](std::string_view name, auto value) {
    fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
  };

  Family(out, "pipegrid_jobs", "gauge", "Jobs in the store by state.");
  ByName(out, "pipegrid_jobs", "state", kAllJobStates, s.jobs_by_state);

  Family(out, "pipegrid_tasks", "gauge", "Tasks in the store by state.");
  ByName(out, "pipegrid_tasks", "state", kAllTaskStates, s.tasks_by_state);

  // Read from the store, so retention deleting old jobs lowers it; Prometheus
  // takes a decrease of a counter as a reset, which keeps rate() meaningful.
  Family(out, "pipegrid_attempts_total", "counter", "Finished attempts in the store by outcome.");
  ByName(out, "pipegrid_attempts_total", "outcome", kAllOutcomes, s.attempts_by_outcome);

  Family(out, "pipegrid_submits_total", "counter", "Jobs submitted since the master started.");
  sample("pipegrid_submits_total", s.submits);

  Family(out, "pipegrid_attempts_started_total", "counter",
         "Attempts started since the master started.");
  sample("pipegrid_attempts_started_total", s.attempts_started);

  Family(out, "pipegrid_retries_total", "counter", "Task retries since the master started.");
  sample("pipegrid_retries_total", s.retries);

  Family(out, "pipegrid_dead_letters_total", "counter",
         "Tasks dead-lettered since the master started.");
  sample("pipegrid_dead_letters_total", s.dead_letters);

  Family(out, "pipegrid_queue_depth", "gauge", "Tasks queued and waiting for a worker slot.");
  sample("pipegrid_queue_depth", s.queue_depth);

  Family(out, "pipegrid_http_requests_total", "counter",
         "HTTP requests served, by route pattern and status code.");
  for (const RequestCount& r : s.http_requests) {
    fmt::format_to(std::back_inserter(out),
                   "pipegrid_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n",
                   EscapeLabelValue(r.route), r.code, r.count);
  }
  return out;
}

}  // namespace pipegrid::api
