#include "store/sqlite/sqlite_rows.h"

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/time_format.h"

namespace pipegrid::store::sqlite {
namespace {

using Json = nlohmann::json;

// `key`: the conflict target of the upsert (empty: plain INSERT).
// `generated`: a column the database assigns, selected first, never written.
TableSql MakeTableSql(std::string_view table, std::initializer_list<std::string_view> columns,
                      std::string_view key, std::string_view generated = {}) {
  std::string select = "SELECT ";
  if (!generated.empty()) select.append(table).append(".").append(generated).append(", ");
  std::string names;
  std::string params;
  std::string updates;
  int n = 0;
  for (std::string_view column : columns) {
    ++n;
    if (n > 1) {
      select += ", ";
      names += ", ";
      params += ", ";
    }
    select.append(table).append(".").append(column);
    names.append(column);
    params += "?" + std::to_string(n);
    if (column != key) {
      if (!updates.empty()) updates += ", ";
      updates.append(column).append(" = excluded.").append(column);
    }
  }
  select.append(" FROM ").append(table);
  std::string upsert = "INSERT INTO ";
  upsert.append(table).append(" (").append(names).append(") VALUES (").append(params).append(")");
  if (!key.empty()) {
    upsert.append(" ON CONFLICT (").append(key).append(") DO UPDATE SET ").append(updates);
  }
  return {std::move(select), std::move(upsert)};
}

Status Corrupt(std::string_view table, std::string_view what) {
  return Internal("sqlite: unreadable " + std::string(table) + " row: " + std::string(what));
}

// Invalid UTF-8 is replaced rather than refused: one odd label must not fail
// every batch that shares its group commit. Specs are validated before this.
std::string DumpJson(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string LabelsToJson(const std::map<std::string, std::string>& labels) {
  return DumpJson(Json(labels));
}

Result<std::map<std::string, std::string>> LabelsFromJson(const std::string& text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return Corrupt("jobs", "labels are not a JSON object");
  std::map<std::string, std::string> labels;
  for (const auto& item : json.items()) {
    if (!item.value().is_string()) {
      return Corrupt("jobs", "label " + item.key() + " is not a string");
    }
    labels.emplace(item.key(), item.value().get<std::string>());
  }
  return labels;
}

std::string NamesToJson(const std::vector<std::string>& names) { return DumpJson(Json(names)); }

std::string OutputsToJson(const std::vector<protocol::OutputFile>& files) {
  Json out = Json::array();
  for (const auto& f : files) out.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
  return DumpJson(out);
}

Result<std::vector<protocol::OutputFile>> OutputsFromJson(const std::string& text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) return Corrupt("tasks", "outputs is not a JSON array");
  std::vector<protocol::OutputFile> out;
  for (const Json& f : json) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() ||
        !f.contains("size") || !f["size"].is_number_integer() || !f.contains("sha256") ||
        !f["sha256"].is_string()) {
      return Corrupt("tasks", "outputs holds a malformed entry");
    }
    out.push_back({f["path"].get<std::string>(), f["size"].get<int64_t>(),
                   f["sha256"].get<std::string>()});
  }
  return out;
}

Result<std::vector<std::string>> NamesFromJson(const std::string& text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) return Corrupt("tasks", "depends_on is not a JSON array");
  std::vector<std::string> names;
  for (const Json& value : json) {
    if (!value.is_string()) return Corrupt("tasks", "depends_on holds a non-string");
    names.push_back(value.get<std::string>());
  }
  return names;
}

Result<Outcome> OutcomeFromText(std::string_view table, const std::string& text) {
  if (text.empty()) return Outcome::kNone;
  std::optional<Outcome> outcome = ParseOutcome(text);
  if (!outcome) return Corrupt(table, "unknown outcome " + text);
  return *outcome;
}

std::optional<int64_t> Widen(std::optional<int> v) {
  if (!v) return std::nullopt;
  return *v;
}

std::optional<int> Narrow(std::optional<int64_t> v) {
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

}  // namespace

const TableSql& JobSql() {
  static const TableSql sql =
      MakeTableSql("jobs",
                   {"id", "name", "namespace", "external_id", "labels", "priority", "state",
                    "reason", "spec_json", "created_at", "started_at", "finished_at",
                    "deadline_at"},
                   "id");
  return sql;
}

const TableSql& TaskSql() {
  static const TableSql sql =
      MakeTableSql("tasks",
                   {"id", "job_id", "name", "idx", "state", "reason", "depends_on", "worker",
                    "retries_used", "lost_used", "attempts_started", "retry_at", "parent",
                    "item_index", "item", "outputs"},
                   "id");
  return sql;
}

const TableSql& AttemptSql() {
  static const TableSql sql =
      MakeTableSql("attempts",
                   {"id", "task_id", "job_id", "number", "worker", "outcome", "exit_code", "signal",
                    "reason", "pgid", "started_at", "finished_at"},
                   "id");
  return sql;
}

const TableSql& EventSql() {
  // AUTOINCREMENT assigns seq, strictly increasing even after the newest
  // rows are deleted (a plain rowid could reuse them).
  static const TableSql sql = MakeTableSql(
      "events",
      {"time", "job_id", "task", "attempt", "worker", "type", "from_state", "to_state", "reason"},
      /*key=*/"", /*generated=*/"seq");
  return sql;
}

const TableSql& DeadLetterSql() {
  static const TableSql sql = MakeTableSql(
      "dead_letters",
      {"task_id", "job_id", "namespace", "task", "attempts", "outcome", "reason", "failed_at"},
      "task_id");
  return sql;
}

// --- jobs ---

Status BindJob(Statement& s, const JobRecord& j) {
  PG_RETURN_IF_ERROR(s.BindText(1, j.id));
  PG_RETURN_IF_ERROR(s.BindText(2, j.name));
  PG_RETURN_IF_ERROR(s.BindText(3, j.namespace_));
  PG_RETURN_IF_ERROR(s.BindText(4, j.external_id));
  PG_RETURN_IF_ERROR(s.BindText(5, LabelsToJson(j.labels)));
  PG_RETURN_IF_ERROR(s.BindInt64(6, j.priority));
  PG_RETURN_IF_ERROR(s.BindText(7, Name(j.state)));
  PG_RETURN_IF_ERROR(s.BindText(8, j.reason));
  PG_RETURN_IF_ERROR(s.BindText(9, j.spec_json));
  PG_RETURN_IF_ERROR(s.BindTime(10, j.created_at));
  PG_RETURN_IF_ERROR(s.BindTime(11, j.started_at));
  PG_RETURN_IF_ERROR(s.BindTime(12, j.finished_at));
  return s.BindTime(13, j.deadline_at);
}

Result<JobRecord> ReadJob(const Statement& r) {
  JobRecord j;
  j.id = r.Text(0);
  j.name = r.Text(1);
  j.namespace_ = r.Text(2);
  j.external_id = r.Text(3);
  PG_ASSIGN_OR_RETURN(j.labels, LabelsFromJson(r.Text(4)));
  j.priority = static_cast<int>(r.Int64(5));
  std::string state = r.Text(6);
  std::optional<JobState> parsed = ParseJobState(state);
  if (!parsed) return Corrupt("jobs", "unknown state " + state);
  j.state = *parsed;
  j.reason = r.Text(7);
  j.spec_json = r.Text(8);
  j.created_at = FromUnixMillis(r.Int64(9));
  j.started_at = r.OptionalTime(10);
  j.finished_at = r.OptionalTime(11);
  j.deadline_at = r.OptionalTime(12);
  return j;
}

// --- tasks ---

Status BindTask(Statement& s, const TaskRecord& t) {
  PG_RETURN_IF_ERROR(s.BindText(1, t.id));
  PG_RETURN_IF_ERROR(s.BindText(2, t.job_id));
  PG_RETURN_IF_ERROR(s.BindText(3, t.name));
  PG_RETURN_IF_ERROR(s.BindInt64(4, t.index));
  PG_RETURN_IF_ERROR(s.BindText(5, Name(t.state)));
  PG_RETURN_IF_ERROR(s.BindText(6, t.reason));
  PG_RETURN_IF_ERROR(s.BindText(7, NamesToJson(t.depends_on)));
  PG_RETURN_IF_ERROR(s.BindText(8, t.worker));
  PG_RETURN_IF_ERROR(s.BindInt64(9, t.retries_used));
  PG_RETURN_IF_ERROR(s.BindInt64(10, t.lost_used));
  PG_RETURN_IF_ERROR(s.BindInt64(11, t.attempts_started));
  PG_RETURN_IF_ERROR(s.BindTime(12, t.retry_at));
  PG_RETURN_IF_ERROR(s.BindText(13, t.parent));
  PG_RETURN_IF_ERROR(s.BindInt64(14, t.item_index));
  PG_RETURN_IF_ERROR(s.BindText(15, t.item));
  return s.BindText(16, OutputsToJson(t.outputs));
}

Result<TaskRecord> ReadTask(const Statement& r) {
  TaskRecord t;
  t.id = r.Text(0);
  t.job_id = r.Text(1);
  t.name = r.Text(2);
  t.index = static_cast<int>(r.Int64(3));
  std::string state = r.Text(4);
  std::optional<TaskState> parsed = ParseTaskState(state);
  if (!parsed) return Corrupt("tasks", "unknown state " + state);
  t.state = *parsed;
  t.reason = r.Text(5);
  PG_ASSIGN_OR_RETURN(t.depends_on, NamesFromJson(r.Text(6)));
  t.worker = r.Text(7);
  t.retries_used = static_cast<int>(r.Int64(8));
  t.lost_used = static_cast<int>(r.Int64(9));
  t.attempts_started = static_cast<int>(r.Int64(10));
  t.retry_at = r.OptionalTime(11);
  t.parent = r.Text(12);
  t.item_index = static_cast<int>(r.Int64(13));
  t.item = r.Text(14);
  PG_ASSIGN_OR_RETURN(t.outputs, OutputsFromJson(r.Text(15)));
  return t;
}

// --- attempts ---

Status BindAttempt(Statement& s, const AttemptRecord& a) {
  PG_RETURN_IF_ERROR(s.BindText(1, a.id));
  PG_RETURN_IF_ERROR(s.BindText(2, a.task_id));
  PG_RETURN_IF_ERROR(s.BindText(3, a.job_id));
  PG_RETURN_IF_ERROR(s.BindInt64(4, a.number));
  PG_RETURN_IF_ERROR(s.BindText(5, a.worker));
  PG_RETURN_IF_ERROR(s.BindText(6, Name(a.outcome)));
  PG_RETURN_IF_ERROR(s.BindOptionalInt(7, Widen(a.exit_code)));
  PG_RETURN_IF_ERROR(s.BindOptionalInt(8, Widen(a.signal)));
  PG_RETURN_IF_ERROR(s.BindText(9, a.reason));
  PG_RETURN_IF_ERROR(s.BindOptionalInt(10, a.pgid));
  PG_RETURN_IF_ERROR(s.BindTime(11, a.started_at));
  return s.BindTime(12, a.finished_at);
}

Result<AttemptRecord> ReadAttempt(const Statement& r) {
  AttemptRecord a;
  a.id = r.Text(0);
  a.task_id = r.Text(1);
  a.job_id = r.Text(2);
  a.number = static_cast<int>(r.Int64(3));
  a.worker = r.Text(4);
  PG_ASSIGN_OR_RETURN(a.outcome, OutcomeFromText("attempts", r.Text(5)));
  a.exit_code = Narrow(r.OptionalInt64(6));
  a.signal = Narrow(r.OptionalInt64(7));
  a.reason = r.Text(8);
  a.pgid = r.OptionalInt64(9);
  a.started_at = r.OptionalTime(10);
  a.finished_at = r.OptionalTime(11);
  return a;
}

// --- events ---

Status BindEvent(Statement& s, const EventRecord& e) {
  PG_RETURN_IF_ERROR(s.BindTime(1, e.time));
  PG_RETURN_IF_ERROR(s.BindText(2, e.job_id));
  PG_RETURN_IF_ERROR(s.BindText(3, e.task));
  PG_RETURN_IF_ERROR(s.BindInt64(4, e.attempt));
  PG_RETURN_IF_ERROR(s.BindText(5, e.worker));
  PG_RETURN_IF_ERROR(s.BindText(6, e.type));
  PG_RETURN_IF_ERROR(s.BindText(7, e.from));
  PG_RETURN_IF_ERROR(s.BindText(8, e.to));
  return s.BindText(9, e.reason);
}

Result<EventRecord> ReadEvent(const Statement& r) {
  EventRecord e;
  e.seq = r.Int64(0);
  e.time = FromUnixMillis(r.Int64(1));
  e.job_id = r.Text(2);
  e.task = r.Text(3);
  e.attempt = static_cast<int>(r.Int64(4));
  e.worker = r.Text(5);
  e.type = r.Text(6);
  e.from = r.Text(7);
  e.to = r.Text(8);
  e.reason = r.Text(9);
  return e;
}

// --- dead letters ---

Status BindDeadLetter(Statement& s, const DeadLetterRecord& d) {
  PG_RETURN_IF_ERROR(s.BindText(1, d.task_id));
  PG_RETURN_IF_ERROR(s.BindText(2, d.job_id));
  PG_RETURN_IF_ERROR(s.BindText(3, d.namespace_));
  PG_RETURN_IF_ERROR(s.BindText(4, d.task));
  PG_RETURN_IF_ERROR(s.BindInt64(5, d.attempts));
  PG_RETURN_IF_ERROR(s.BindText(6, Name(d.outcome)));
  PG_RETURN_IF_ERROR(s.BindText(7, d.reason));
  return s.BindTime(8, d.failed_at);
}

Result<DeadLetterRecord> ReadDeadLetter(const Statement& r) {
  DeadLetterRecord d;
  d.task_id = r.Text(0);
  d.job_id = r.Text(1);
  d.namespace_ = r.Text(2);
  d.task = r.Text(3);
  d.attempts = static_cast<int>(r.Int64(4));
  PG_ASSIGN_OR_RETURN(d.outcome, OutcomeFromText("dead_letters", r.Text(5)));
  d.reason = r.Text(6);
  d.failed_at = FromUnixMillis(r.Int64(7));
  return d;
}

}  // namespace pipegrid::store::sqlite
