#include "api/json_views.h"

#include <algorithm>

#include "common/states.h"
#include "common/time_format.h"

namespace pipegrid::api {
namespace {

using nlohmann::json;

json OrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json TimeOrNull(const std::optional<WallTime>& t) {
  return t ? json(FormatTime(*t)) : json(nullptr);
}

template <typename T>
json ValueOrNull(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json OutcomeOrNull(Outcome outcome) {
  return outcome == Outcome::kNone ? json(nullptr) : json(std::string(Name(outcome)));
}

json Labels(const std::map<std::string, std::string>& labels) {
  json out = json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

}  // namespace

json TaskCountersJson(const std::vector<store::TaskRecord>& tasks) {
  json counters = json::object();
  for (TaskState s : kAllTaskStates) counters[std::string(Name(s))] = 0;
  for (const store::TaskRecord& t : tasks) {
    json& n = counters[std::string(Name(t.state))];
    n = n.get<int64_t>() + 1;
  }
  return counters;
}

json TaskCountersJson(const std::map<std::string, int64_t>& counts) {
  json counters = json::object();
  for (TaskState s : kAllTaskStates) counters[std::string(Name(s))] = 0;
  for (const auto& [state, n] : counts) counters[state] = n;
  return counters;
}

json AttemptJson(const store::AttemptRecord& a) {
  return {{"id", a.id},
          {"number", a.number},
          {"worker", OrNull(a.worker)},
          {"outcome", OutcomeOrNull(a.outcome)},
          {"exitCode", ValueOrNull(a.exit_code)},
          {"signal", ValueOrNull(a.signal)},
          {"startedAt", TimeOrNull(a.started_at)},
          {"finishedAt", TimeOrNull(a.finished_at)}};
}

json TaskJson(const store::TaskRecord& t, const std::vector<store::AttemptRecord>& attempts) {
  std::vector<const store::AttemptRecord*> mine;
  for (const store::AttemptRecord& a : attempts) {
    if (a.task_id == t.id) mine.push_back(&a);
  }
  std::sort(mine.begin(), mine.end(),
            [](const auto* x, const auto* y) { return x->number < y->number; });
  json attempt_list = json::array();
  for (const store::AttemptRecord* a : mine) attempt_list.push_back(AttemptJson(*a));
  json outputs = json::array();
  for (const protocol::OutputFile& f : t.outputs) outputs.push_back(OutputFileJson(f));
  // An instance is known by its parent; its item may be "" (an empty line
  // cannot be one, but a literal `items` entry can), so it is not OrNull'd.
  const bool instance = !t.parent.empty();
  return {{"id", t.id},
          {"name", t.name},
          {"state", std::string(Name(t.state))},
          {"reason", OrNull(t.reason)},
          {"dependsOn", t.depends_on},
          {"worker", OrNull(t.worker)},
          {"attempts", std::move(attempt_list)},
          {"parent", OrNull(t.parent)},
          {"item", instance ? json(t.item) : json(nullptr)},
          {"itemIndex", instance && t.item_index >= 0 ? json(t.item_index) : json(nullptr)},
          {"outputs", std::move(outputs)}};
}

json OutputFileJson(const protocol::OutputFile& f) {
  return {{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}};
}

namespace {

json JobSummaryWith(const store::JobRecord& j, json counters) {
  return {{"id", j.id},
          {"name", j.name},
          {"namespace", j.namespace_},
          {"externalId", OrNull(j.external_id)},
          {"labels", Labels(j.labels)},
          {"priority", j.priority},
          {"state", std::string(Name(j.state))},
          {"reason", OrNull(j.reason)},
          {"createdAt", FormatTime(j.created_at)},
          {"startedAt", TimeOrNull(j.started_at)},
          {"finishedAt", TimeOrNull(j.finished_at)},
          {"counters", std::move(counters)}};
}

}  // namespace

json JobSummaryJson(const store::JobRecord& j, const std::vector<store::TaskRecord>& tasks) {
  return JobSummaryWith(j, TaskCountersJson(tasks));
}

json JobSummaryJson(const store::JobRecord& j, const std::map<std::string, int64_t>& task_counts) {
  return JobSummaryWith(j, TaskCountersJson(task_counts));
}

json JobJson(const store::JobRecord& job, const std::vector<store::TaskRecord>& tasks,
             const std::vector<store::AttemptRecord>& attempts) {
  json out = JobSummaryJson(job, tasks);
  std::vector<const store::TaskRecord*> ordered;
  for (const store::TaskRecord& t : tasks) ordered.push_back(&t);
  // Fan-out instances share their task's index: they follow it (item_index
  // -1) in item order, whatever order the store returned them in.
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto* x, const auto* y) {
    return std::pair(x->index, x->item_index) < std::pair(y->index, y->item_index);
  });
  json task_list = json::array();
  for (const store::TaskRecord* t : ordered) task_list.push_back(TaskJson(*t, attempts));
  out["tasks"] = std::move(task_list);
  return out;
}

json WorkerJson(const master::WorkerInfo& w) {
  return {{"name", w.name},
          {"state", std::string(Name(w.state))},
          {"labels", Labels(w.labels)},
          {"slots", w.slots},
          {"slotsFree", w.slots_free},
          {"cpu", w.cpu},
          {"memory", w.memory},
          {"version", w.version},
          {"lastHeartbeatAt", FormatTime(w.last_heartbeat_at)},
          {"connected", w.connected},
          {"running", w.running}};
}

json DeadLetterJson(const store::DeadLetterRecord& d) {
  return {{"taskId", d.task_id},        {"jobId", d.job_id},
          {"namespace", d.namespace_},  {"task", d.task},
          {"attempts", d.attempts},     {"outcome", OutcomeOrNull(d.outcome)},
          {"reason", OrNull(d.reason)}, {"failedAt", FormatTime(d.failed_at)}};
}

json EventJson(const store::EventRecord& e) {
  return {{"seq", e.seq},
          {"time", FormatTime(e.time)},
          {"jobId", OrNull(e.job_id)},
          {"task", OrNull(e.task)},
          {"attempt", e.attempt == 0 ? json(nullptr) : json(e.attempt)},
          {"worker", OrNull(e.worker)},
          {"type", e.type},
          {"from", OrNull(e.from)},
          {"to", OrNull(e.to)},
          {"reason", OrNull(e.reason)}};
}

json ListJson(json items, const std::optional<std::string>& next_page_token) {
  return {{"items", std::move(items)},
          {"nextPageToken", next_page_token ? json(*next_page_token) : json(nullptr)}};
}

}  // namespace pipegrid::api
