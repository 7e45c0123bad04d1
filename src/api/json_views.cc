#include "api/json_views.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "api/http_message.h"
#include "api/json_writer.h"
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

namespace {

void WriteTime(JsonWriter& w, const std::optional<WallTime>& t) {
  if (t) {
    w.String(FormatTime(*t));
  } else {
    w.Null();
  }
}

void WriteOptionalInt(JsonWriter& w, const std::optional<int>& v) {
  if (v) {
    w.Int(*v);
  } else {
    w.Null();
  }
}

// Keys in byte order throughout, as an nlohmann object prints them.
void WriteAttempt(JsonWriter& w, const store::AttemptRecord& a) {
  w.BeginObject();
  w.Key("exitCode");
  WriteOptionalInt(w, a.exit_code);
  w.Key("finishedAt");
  WriteTime(w, a.finished_at);
  w.Key("id").String(a.id);
  w.Key("number").Int(a.number);
  w.Key("outcome");
  if (a.outcome == Outcome::kNone) {
    w.Null();
  } else {
    w.String(Name(a.outcome));
  }
  w.Key("signal");
  WriteOptionalInt(w, a.signal);
  w.Key("startedAt");
  WriteTime(w, a.started_at);
  w.Key("worker").StringOrNull(a.worker);
  w.EndObject();
}

void WriteTask(JsonWriter& w, const store::TaskRecord& t,
               const std::vector<const store::AttemptRecord*>& attempts) {
  w.BeginObject();
  w.Key("attempts").BeginArray();
  for (const store::AttemptRecord* a : attempts) WriteAttempt(w, *a);
  w.EndArray();
  w.Key("dependsOn").BeginArray();
  for (const std::string& d : t.depends_on) w.String(d);
  w.EndArray();
  w.Key("id").String(t.id);
  // An instance is known by its parent; its item may be "" (an empty line
  // cannot be one, but a literal `items` entry can), so it is not
  // StringOrNull'd.
  const bool instance = !t.parent.empty();
  w.Key("item");
  if (instance) {
    w.String(t.item);
  } else {
    w.Null();
  }
  w.Key("itemIndex");
  if (instance && t.item_index >= 0) {
    w.Int(t.item_index);
  } else {
    w.Null();
  }
  w.Key("name").String(t.name);
  w.Key("outputs").BeginArray();
  for (const protocol::OutputFile& f : t.outputs) {
    w.BeginObject().Key("path").String(f.path).Key("sha256").String(f.sha256);
    w.Key("size").Int(f.size).EndObject();
  }
  w.EndArray();
  w.Key("parent").StringOrNull(t.parent);
  w.Key("reason").StringOrNull(t.reason);
  w.Key("state").String(Name(t.state));
  w.Key("worker").StringOrNull(t.worker);
  w.EndObject();
}

}  // namespace

std::string JobJsonText(const store::JobRecord& job, const std::vector<store::TaskRecord>& tasks,
                        const std::vector<store::AttemptRecord>& attempts) {
  // Each task's attempts, by number: one pass over them, not one per task.
  std::unordered_map<std::string_view, std::vector<const store::AttemptRecord*>> by_task;
  for (const store::AttemptRecord& a : attempts) by_task[a.task_id].push_back(&a);
  for (auto& [_, mine] : by_task) {
    std::sort(mine.begin(), mine.end(),
              [](const auto* x, const auto* y) { return x->number < y->number; });
  }
  std::vector<const store::TaskRecord*> ordered;
  ordered.reserve(tasks.size());
  for (const store::TaskRecord& t : tasks) ordered.push_back(&t);
  // Fan-out instances share their task's index: they follow it (item_index
  // -1) in item order, whatever order the store returned them in.
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto* x, const auto* y) {
    return std::pair(x->index, x->item_index) < std::pair(y->index, y->item_index);
  });

  JsonWriter w;
  w.BeginObject();
  w.Key("counters").Raw(DumpJson(TaskCountersJson(tasks)));
  w.Key("createdAt").String(FormatTime(job.created_at));
  w.Key("externalId").StringOrNull(job.external_id);
  w.Key("finishedAt");
  WriteTime(w, job.finished_at);
  w.Key("id").String(job.id);
  w.Key("labels").Raw(DumpJson(Labels(job.labels)));
  w.Key("name").String(job.name);
  w.Key("namespace").String(job.namespace_);
  w.Key("priority").Int(job.priority);
  w.Key("reason").StringOrNull(job.reason);
  w.Key("startedAt");
  WriteTime(w, job.started_at);
  w.Key("state").String(Name(job.state));
  w.Key("tasks").BeginArray();
  static const std::vector<const store::AttemptRecord*> kNone;
  for (const store::TaskRecord* t : ordered) {
    auto it = by_task.find(t->id);
    WriteTask(w, *t, it == by_task.end() ? kNone : it->second);
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

json JobJson(const store::JobRecord& job, const std::vector<store::TaskRecord>& tasks,
             const std::vector<store::AttemptRecord>& attempts) {
  return json::parse(JobJsonText(job, tasks, attempts));
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
