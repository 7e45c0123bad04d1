#include "api/metrics.h"

#include <cmath>
#include <iterator>
#include <variant>

#include <fmt/format.h>

#include "common/states.h"

namespace pipegrid::api {
namespace {

constexpr std::array kAllWorkerStates = {WorkerState::kReady, WorkerState::kDraining,
                                         WorkerState::kLost, WorkerState::kGone};

// The figures as metric families: what both renderers walk, so Prometheus and
// InfluxDB always get the same names, labels and values.
using Labels = std::vector<std::pair<std::string, std::string>>;
struct Series {
  Labels labels;
  std::variant<double, HistogramSnapshot> value;
};
struct Family {
  std::string name;
  std::string type;  // counter | gauge | histogram
  std::string help;
  std::vector<Series> series;
};

int64_t CountOf(const std::map<std::string, int64_t>& counts, std::string_view key) {
  auto it = counts.find(std::string(key));
  return it == counts.end() ? 0 : it->second;
}

// One series per name in `all`, labelled `label`, zeros included: a series
// that vanishes when its count reaches zero would break rate() and alerts.
template <typename Enum, size_t N>
std::vector<Series> ByName(std::string_view label, const std::array<Enum, N>& all,
                           const std::map<std::string, int64_t>& counts) {
  std::vector<Series> out;
  for (Enum e : all) {
    out.push_back({{{std::string(label), std::string(Name(e))}},
                   static_cast<double>(CountOf(counts, Name(e)))});
  }
  return out;
}

std::vector<Series> One(double value) { return {Series{{}, value}}; }

std::vector<Family> Families(const MetricsSnapshot& s) {
  std::vector<Family> f;
  f.push_back({"pipegrid_jobs", "gauge", "Jobs in the store by state.",
               ByName("state", kAllJobStates, s.jobs_by_state)});
  f.push_back({"pipegrid_tasks", "gauge", "Tasks in the store by state.",
               ByName("state", kAllTaskStates, s.tasks_by_state)});
  // Read from the store, so retention deleting old jobs lowers it; Prometheus
  // takes a decrease of a counter as a reset, which keeps rate() meaningful.
  f.push_back({"pipegrid_attempts_total", "counter", "Finished attempts in the store by outcome.",
               ByName("outcome", kAllOutcomes, s.attempts_by_outcome)});
  f.push_back({"pipegrid_submits_total", "counter", "Jobs submitted since the master started.",
               One(static_cast<double>(s.submits))});
  f.push_back({"pipegrid_attempts_started_total", "counter",
               "Attempts started since the master started.",
               One(static_cast<double>(s.attempts_started))});
  f.push_back({"pipegrid_retries_total", "counter", "Task retries since the master started.",
               One(static_cast<double>(s.retries))});
  f.push_back({"pipegrid_dead_letters_total", "counter",
               "Tasks dead-lettered since the master started.",
               One(static_cast<double>(s.dead_letters))});
  f.push_back({"pipegrid_dead_letters", "gauge", "Tasks in the dead-letter list now.",
               One(static_cast<double>(s.dead_letters_now))});
  f.push_back({"pipegrid_stale_results_total", "counter",
               "Results of attempts no longer current, refused (fencing).",
               One(static_cast<double>(s.stale_results))});
  f.push_back({"pipegrid_workers_lost_total", "counter",
               "Workers declared LOST (silent past --worker-timeout) since the master started.",
               One(static_cast<double>(s.workers_lost))});
  f.push_back({"pipegrid_queue_depth", "gauge", "Tasks queued and waiting for a worker slot.",
               One(static_cast<double>(s.queue_depth))});

  Family duration{"pipegrid_task_duration_seconds",
                  "histogram",
                  "Attempt run time, from its start to its end, by outcome.",
                  {}};
  for (Outcome o : kAllOutcomes) {
    auto it = s.task_seconds.find(std::string(Name(o)));
    duration.series.push_back(
        {{{"outcome", std::string(Name(o))}},
         it != s.task_seconds.end() ? it->second : EmptySnapshot<buckets::kTaskSeconds>()});
  }
  f.push_back(std::move(duration));
  f.push_back({"pipegrid_queue_wait_seconds",
               "histogram",
               "Time tasks waited QUEUED before they were assigned to a worker.",
               {Series{{}, s.queue_wait}}});

  f.push_back({"pipegrid_workers", "gauge", "Workers by state.",
               ByName("state", kAllWorkerStates, s.workers_by_state)});
  Family slots{"pipegrid_worker_slots", "gauge", "Task slots of each worker.", {}};
  Family free{"pipegrid_worker_slots_free", "gauge", "Free task slots of each worker.", {}};
  for (const WorkerSlots& w : s.worker_slots) {
    slots.series.push_back({{{"worker", w.name}}, static_cast<double>(w.slots)});
    free.series.push_back({{{"worker", w.name}}, static_cast<double>(w.slots_free)});
  }
  f.push_back(std::move(slots));
  f.push_back(std::move(free));

  f.push_back({"pipegrid_store_commit_seconds",
               "histogram",
               "Time one group commit (one store transaction) took.",
               {Series{{}, s.commit_seconds}}});
  f.push_back({"pipegrid_store_commit_batches",
               "histogram",
               "Scheduler batches merged into one group commit.",
               {Series{{}, s.commit_batches}}});

  Family requests{"pipegrid_http_requests_total",
                  "counter",
                  "HTTP requests served, by route pattern and status code.",
                  {}};
  for (const RequestCount& r : s.http_requests) {
    requests.series.push_back(
        {{{"route", r.route}, {"code", std::to_string(r.code)}}, static_cast<double>(r.count)});
  }
  f.push_back(std::move(requests));
  Family latency{"pipegrid_http_request_duration_seconds",
                 "histogram",
                 "Time from a request to its handler's answer (a stream: to its start), by route "
                 "pattern.",
                 {}};
  for (const auto& [route, h] : s.http_latency) latency.series.push_back({{{"route", route}}, h});
  f.push_back(std::move(latency));

  f.push_back({"pipegrid_ready", "gauge",
               "1 while the master is ready (store open, recovery done, not draining), else 0.",
               One(s.ready ? 1 : 0)});
  return f;
}

// Integers as integers (counts stay exact and readable), the rest shortest.
std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9.0e15) return std::to_string(static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

std::string PromLabels(const Labels& labels, const std::string& extra_name = {},
                       const std::string& extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ',';
    out += k + "=\"" + EscapeLabelValue(v) + "\"";
  }
  if (!extra_name.empty()) {
    if (out.size() > 1) out += ',';
    out += extra_name + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

// Line protocol escaping: measurement and field keys, tag keys and values.
std::string InfluxEscape(std::string_view text, bool escape_equals) {
  std::string out;
  for (char c : text) {
    if (c == ',' || c == ' ' || (escape_equals && c == '=') || c == '\\') out += '\\';
    // A line break would end the line: line protocol cannot carry one.
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

Result<MetricsSnapshot> GatherLocal(const MetricsSources& src) {
  MetricsSnapshot s;
  PG_ASSIGN_OR_RETURN(s.jobs_by_state, src.store.CountJobsByState());
  PG_ASSIGN_OR_RETURN(s.tasks_by_state, src.store.CountTasksByState());
  PG_ASSIGN_OR_RETURN(s.attempts_by_outcome, src.store.CountAttemptsByOutcome());
  PG_ASSIGN_OR_RETURN(s.dead_letters_now, src.store.CountDeadLetters());
  const master::SchedulerCounters& c = src.counters;
  s.submits = c.submits.load(std::memory_order_relaxed);
  s.attempts_started = c.attempts_started.load(std::memory_order_relaxed);
  s.retries = c.retries.load(std::memory_order_relaxed);
  s.dead_letters = c.dead_letters.load(std::memory_order_relaxed);
  s.stale_results = c.stale_results.load(std::memory_order_relaxed);
  s.workers_lost = c.workers_lost.load(std::memory_order_relaxed);
  s.queue_depth = c.queue_depth.load(std::memory_order_relaxed);
  for (size_t i = 0; i < kAllOutcomes.size(); ++i) {
    s.task_seconds[std::string(Name(kAllOutcomes[i]))] = c.task_seconds[i].Snapshot();
  }
  s.queue_wait = c.queue_wait.Snapshot();
  if (src.committer != nullptr) {
    store::CommitStats stats = src.committer->stats();
    s.commit_seconds = std::move(stats.seconds);
    s.commit_batches = std::move(stats.merged);
  }
  if (src.requests) s.http_requests = src.requests->Snapshot();
  if (src.latency) s.http_latency = src.latency->Snapshot();
  s.ready = src.ready && src.ready();
  return s;
}

}  // namespace

void GatherMetrics(const MetricsSources& sources,
                   std::function<void(Result<MetricsSnapshot>)> done) {
  Result<MetricsSnapshot> local = GatherLocal(sources);
  if (!local.ok() || sources.scheduler == nullptr) return done(std::move(local));
  // The worker table lives on the scheduler's loop: one message per scrape
  // instead of a lock the loop would take on every slot change.
  sources.scheduler->ListWorkers([s = std::move(local).value(), done = std::move(done)](
                                     std::vector<master::WorkerInfo> workers) mutable {
    for (const master::WorkerInfo& w : workers) {
      ++s.workers_by_state[std::string(Name(w.state))];
      s.worker_slots.push_back({w.name, w.slots, w.slots_free});
    }
    done(std::move(s));
  });
}

void RequestLatency::Observe(const std::string& route, double seconds) {
  std::lock_guard lock(mu_);
  auto& h = by_route_[route];
  if (!h) h = std::make_unique<Histogram<buckets::kHttpSeconds>>();
  h->Observe(seconds);
}

std::vector<std::pair<std::string, HistogramSnapshot>> RequestLatency::Snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, HistogramSnapshot>> out;
  for (const auto& [route, h] : by_route_) out.emplace_back(route, h->Snapshot());
  return out;
}

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

std::string RenderMetrics(const MetricsSnapshot& snapshot) {
  std::string out;
  auto line = [&out](const std::string& name, const std::string& labels, const std::string& v) {
    fmt::format_to(std::back_inserter(out), "{}{} {}\n", name, labels, v);
  };
  for (const Family& f : Families(snapshot)) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", f.name, f.help, f.name,
                   f.type);
    for (const Series& s : f.series) {
      if (const double* v = std::get_if<double>(&s.value)) {
        line(f.name, PromLabels(s.labels), Number(*v));
        continue;
      }
      const auto& h = std::get<HistogramSnapshot>(s.value);
      uint64_t cumulative = 0;
      for (size_t i = 0; i < h.bounds.size(); ++i) {
        cumulative += i < h.counts.size() ? h.counts[i] : 0;
        line(f.name + "_bucket", PromLabels(s.labels, "le", Number(h.bounds[i])),
             Number(static_cast<double>(cumulative)));
      }
      line(f.name + "_bucket", PromLabels(s.labels, "le", "+Inf"),
           Number(static_cast<double>(h.count())));
      line(f.name + "_sum", PromLabels(s.labels), Number(h.sum));
      line(f.name + "_count", PromLabels(s.labels), Number(static_cast<double>(h.count())));
    }
  }
  return out;
}

std::string RenderInfluxLines(const MetricsSnapshot& snapshot) {
  std::string out;
  for (const Family& f : Families(snapshot)) {
    for (const Series& s : f.series) {
      out += InfluxEscape(f.name, /*escape_equals=*/false);
      for (const auto& [k, v] : s.labels) {
        if (v.empty()) continue;  // line protocol has no empty tag values
        out += ',' + InfluxEscape(k, true) + '=' + InfluxEscape(v, true);
      }
      out += ' ';
      if (const double* v = std::get_if<double>(&s.value)) {
        out += "value=" + Number(*v) + "\n";
        continue;
      }
      const auto& h = std::get<HistogramSnapshot>(s.value);
      out += "count=" + Number(static_cast<double>(h.count())) + ",sum=" + Number(h.sum);
      uint64_t cumulative = 0;
      for (size_t i = 0; i < h.bounds.size(); ++i) {
        cumulative += i < h.counts.size() ? h.counts[i] : 0;
        out += ',' + InfluxEscape(Number(h.bounds[i]), true) + '=' +
               Number(static_cast<double>(cumulative));
      }
      out += ",+Inf=" + Number(static_cast<double>(h.count())) + "\n";
    }
  }
  return out;
}

}  // namespace pipegrid::api
