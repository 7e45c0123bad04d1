// The read path: queries on pooled read connections. Each method runs one
// statement, so it sees one committed snapshot.
#include <array>
#include <string>

#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace pipegrid::store::sqlite {
namespace {

// Steps `stmt` to the end, converting each row with `read`.
template <typename T, typename ReadFn>
Result<std::vector<T>> Collect(Statement& stmt, ReadFn read) {
  std::vector<T> rows;
  for (;;) {
    PG_ASSIGN_OR_RETURN(bool more, stmt.Step());
    if (!more) return rows;
    PG_ASSIGN_OR_RETURN(T row, read(stmt));
    rows.push_back(std::move(row));
  }
}

template <typename T, typename ReadFn>
Result<std::optional<T>> CollectOne(Statement& stmt, ReadFn read) {
  PG_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::optional<T>();
  PG_ASSIGN_OR_RETURN(T row, read(stmt));
  return std::optional<T>(std::move(row));
}

Result<std::string> ReadString(const Statement& row) { return row.Text(0); }

Status CheckLimit(int limit) {
  if (limit <= 0) return InvalidArgument("limit must be positive, got " + std::to_string(limit));
  return Status::Ok();
}

// "'A', 'B'": the names of the states for which `pick` holds, for IN lists.
template <typename State, size_t N, typename Pred>
std::string QuotedNames(const std::array<State, N>& all, Pred pick) {
  std::string out;
  for (State s : all) {
    if (!pick(s)) continue;
    if (!out.empty()) out += ", ";
    out.append("'").append(Name(s)).append("'");
  }
  return out;
}

bool Finished(JobState s) { return IsFinished(s); }
bool Unfinished(JobState s) { return !IsFinished(s); }

// Every known name starts at zero so metrics show the whole set; names this
// binary does not know (a newer writer) are kept as they are.
// `param`, when given, is bound to ?1.
template <typename Names>
Result<std::map<std::string, int64_t>> CountBy(Connection& conn, const std::string& sql,
                                               const Names& names,
                                               const std::string* param = nullptr) {
  std::map<std::string, int64_t> counts;
  for (auto name : names) counts[std::string(Name(name))] = 0;
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt, conn.Cached(sql));
  if (param != nullptr) PG_RETURN_IF_ERROR(stmt->BindText(1, *param));
  for (;;) {
    PG_ASSIGN_OR_RETURN(bool more, stmt->Step());
    if (!more) return counts;
    counts[stmt->Text(0)] = stmt->Int64(1);
  }
}

}  // namespace

Result<std::optional<JobRecord>> SqliteStore::GetJob(const std::string& id) {
  ReadPool::Lease conn = readers_.Acquire();
  static const std::string sql = JobSql().select + " WHERE jobs.id = ?1";
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt, conn->Cached(sql));
  PG_RETURN_IF_ERROR(stmt->BindText(1, id));
  return CollectOne<JobRecord>(*stmt, ReadJob);
}

Result<std::optional<JobRecord>> SqliteStore::GetJobByExternalId(const std::string& namespace_,
                                                                 const std::string& external_id) {
  // No job has an empty external id: it means "none", and is not unique.
  if (external_id.empty()) return std::optional<JobRecord>();
  ReadPool::Lease conn = readers_.Acquire();
  // The "<> ''" term lets sqlite use the partial unique index.
  static const std::string sql = JobSql().select +
                                 " WHERE jobs.namespace = ?1 AND jobs.external_id = ?2"
                                 " AND jobs.external_id <> ''";
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt, conn->Cached(sql));
  PG_RETURN_IF_ERROR(stmt->BindText(1, namespace_));
  PG_RETURN_IF_ERROR(stmt->BindText(2, external_id));
  return CollectOne<JobRecord>(*stmt, ReadJob);
}

Result<std::vector<JobRecord>> SqliteStore::ListJobs(const JobFilter& filter) {
  PG_RETURN_IF_ERROR(CheckLimit(filter.limit));
  // The shape depends on the filter, so this statement is prepared per call
  // rather than cached: the number of shapes is unbounded (labels).
  std::string sql = JobSql().select + " WHERE 1";
  int n = 0;
  auto param = [&n] { return "?" + std::to_string(++n); };
  if (!filter.namespace_.empty()) sql += " AND jobs.namespace = " + param();
  if (!filter.namespaces_in.empty()) {
    sql += " AND jobs.namespace IN (";
    for (size_t i = 0; i < filter.namespaces_in.size(); ++i) sql += (i ? ", " : "") + param();
    sql += ")";
  }
  if (!filter.after.empty()) sql += " AND jobs.id < " + param();
  if (!filter.states.empty()) {
    sql += " AND jobs.state IN (";
    for (size_t i = 0; i < filter.states.size(); ++i) sql += (i ? ", " : "") + param();
    sql += ")";
  }
  for (size_t i = 0; i < filter.labels.size(); ++i) {
    std::string key = param();
    sql += " AND EXISTS (SELECT 1 FROM json_each(jobs.labels) WHERE json_each.key = " + key +
           " AND json_each.value = " + param() + ")";
  }
  sql += " ORDER BY jobs.id DESC LIMIT " + param();

  ReadPool::Lease conn = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(Statement stmt, conn->Prepare(sql));
  n = 0;
  if (!filter.namespace_.empty()) PG_RETURN_IF_ERROR(stmt.BindText(++n, filter.namespace_));
  for (const std::string& ns : filter.namespaces_in) PG_RETURN_IF_ERROR(stmt.BindText(++n, ns));
  if (!filter.after.empty()) PG_RETURN_IF_ERROR(stmt.BindText(++n, filter.after));
  for (JobState state : filter.states) PG_RETURN_IF_ERROR(stmt.BindText(++n, Name(state)));
  for (const auto& [key, value] : filter.labels) {
    PG_RETURN_IF_ERROR(stmt.BindText(++n, key));
    PG_RETURN_IF_ERROR(stmt.BindText(++n, value));
  }
  PG_RETURN_IF_ERROR(stmt.BindInt64(++n, filter.limit));
  return Collect<JobRecord>(stmt, ReadJob);
}

Result<std::vector<JobRecord>> SqliteStore::ListUnfinishedJobs() {
  static const std::string sql = JobSql().select + " WHERE jobs.state IN (" +
                                 QuotedNames(kAllJobStates, Unfinished) + ") ORDER BY jobs.id";
  ReadPool::Lease conn = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt, conn->Cached(sql));
  return Collect<JobRecord>(*stmt, ReadJob);
}

Result<std::vector<std::string>> SqliteStore::ListExpiredJobs(WallTime cutoff, int limit) {
  PG_RETURN_IF_ERROR(CheckLimit(limit));
  // "finished_at IS NOT NULL" lets sqlite use the partial index, which also
  // yields the order, so LIMIT stops the scan early. The unary + keeps the
  // planner (which has no statistics) from preferring the state index, which
  // would read every finished job and sort them.
  static const std::string sql =
      "SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?1 AND +state IN (" +
      QuotedNames(kAllJobStates, Finished) + ") ORDER BY finished_at, id LIMIT ?2";
  ReadPool::Lease conn = readers_.Acquire();
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt, conn->Cached(sql));
  PG_RETURN_IF_ERROR(stmt->BindTime(1, cutoff));
  PG_RETURN_IF_ERROR(stmt->BindInt64(2, limit));
  return Collect<std::string>(*stmt, ReadString);
}

Result<std::vector<TaskRecord>> SqliteStore::ListTasks(const std::string& job_id) {
  ReadPool::Lease conn = readers_.Acquire();
  static const std::string sql =
      TaskSql().select + " WHERE tasks.job_id = ?1 ORDER BY tasks.idx, tasks.item_index, tasks.id";
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt, conn->Cached(sql));
  PG_RETURN_IF_ERROR(stmt->BindText(1, job_id));
  return Collect<TaskRecord>(*stmt, ReadTask);
}

Result<std::vector<AttemptRecord>> SqliteStore::ListAttempts(const std::string& job_id) {
  // "By task" means in the tasks' spec order, as ListTasks returns them.
  ReadPool::Lease conn = readers_.Acquire();
  static const std::string sql = AttemptSql().select +
                                 " JOIN tasks ON tasks.id = attempts.task_id"
                                 " WHERE attempts.job_id = ?1"
                                 " ORDER BY tasks.idx, tasks.item_index, tasks.id, attempts.number";
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt, conn->Cached(sql));
  PG_RETURN_IF_ERROR(stmt->BindText(1, job_id));
  return Collect<AttemptRecord>(*stmt, ReadAttempt);
}

Result<std::vector<EventRecord>> SqliteStore::ListEvents(const EventFilter& filter) {
  PG_RETURN_IF_ERROR(CheckLimit(filter.limit));
  ReadPool::Lease conn = readers_.Acquire();
  // Two statements rather than "?1 = '' OR job_id = ?1", which would keep
  // sqlite from using the (job_id, seq) index.
  static const std::string all_jobs =
      EventSql().select + " WHERE events.seq > ?2 ORDER BY events.seq LIMIT ?3";
  static const std::string one_job =
      EventSql().select +
      " WHERE events.job_id = ?1 AND events.seq > ?2 ORDER BY events.seq LIMIT ?3";
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt,
                      conn->Cached(filter.job_id.empty() ? all_jobs : one_job));
  if (!filter.job_id.empty()) PG_RETURN_IF_ERROR(stmt->BindText(1, filter.job_id));
  PG_RETURN_IF_ERROR(stmt->BindInt64(2, filter.since));
  PG_RETURN_IF_ERROR(stmt->BindInt64(3, filter.limit));
  return Collect<EventRecord>(*stmt, ReadEvent);
}

Result<std::vector<DeadLetterRecord>> SqliteStore::ListDeadLetters(const DeadLetterFilter& filter) {
  PG_RETURN_IF_ERROR(CheckLimit(filter.limit));
  ReadPool::Lease conn = readers_.Acquire();
  static const std::string all_namespaces =
      DeadLetterSql().select +
      " WHERE dead_letters.task_id > ?2 ORDER BY dead_letters.task_id LIMIT ?3";
  static const std::string one_namespace =
      DeadLetterSql().select +
      " WHERE dead_letters.namespace = ?1 AND dead_letters.task_id > ?2"
      " ORDER BY dead_letters.task_id LIMIT ?3";
  if (!filter.namespaces_in.empty()) {
    // A token's namespaces: the list's length varies, so prepared per call.
    std::string sql = DeadLetterSql().select + " WHERE dead_letters.task_id > ?1";
    if (!filter.namespace_.empty()) sql += " AND dead_letters.namespace = ?2";
    sql += " AND dead_letters.namespace IN (";
    for (size_t i = 0; i < filter.namespaces_in.size(); ++i) {
      sql += (i ? ", ?" : "?") + std::to_string(i + 4);
    }
    sql += ") ORDER BY dead_letters.task_id LIMIT ?3";
    PG_ASSIGN_OR_RETURN(Statement stmt, conn->Prepare(sql));
    PG_RETURN_IF_ERROR(stmt.BindText(1, filter.after));
    if (!filter.namespace_.empty()) PG_RETURN_IF_ERROR(stmt.BindText(2, filter.namespace_));
    PG_RETURN_IF_ERROR(stmt.BindInt64(3, filter.limit));
    for (size_t i = 0; i < filter.namespaces_in.size(); ++i) {
      PG_RETURN_IF_ERROR(stmt.BindText(static_cast<int>(i) + 4, filter.namespaces_in[i]));
    }
    return Collect<DeadLetterRecord>(stmt, ReadDeadLetter);
  }
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt,
                      conn->Cached(filter.namespace_.empty() ? all_namespaces : one_namespace));
  if (!filter.namespace_.empty()) PG_RETURN_IF_ERROR(stmt->BindText(1, filter.namespace_));
  PG_RETURN_IF_ERROR(stmt->BindText(2, filter.after));
  PG_RETURN_IF_ERROR(stmt->BindInt64(3, filter.limit));
  return Collect<DeadLetterRecord>(*stmt, ReadDeadLetter);
}

Result<std::optional<DeadLetterRecord>> SqliteStore::GetDeadLetter(const std::string& task_id) {
  ReadPool::Lease conn = readers_.Acquire();
  static const std::string sql = DeadLetterSql().select + " WHERE dead_letters.task_id = ?1";
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt, conn->Cached(sql));
  PG_RETURN_IF_ERROR(stmt->BindText(1, task_id));
  return CollectOne<DeadLetterRecord>(*stmt, ReadDeadLetter);
}

Result<std::map<std::string, int64_t>> SqliteStore::CountJobsByState() {
  ReadPool::Lease conn = readers_.Acquire();
  return CountBy(*conn, "SELECT state, COUNT(*) FROM jobs GROUP BY state", kAllJobStates);
}

Result<std::map<std::string, int64_t>> SqliteStore::CountTasksByState() {
  ReadPool::Lease conn = readers_.Acquire();
  return CountBy(*conn, "SELECT state, COUNT(*) FROM tasks GROUP BY state", kAllTaskStates);
}

Result<std::map<std::string, int64_t>> SqliteStore::CountJobTasksByState(
    const std::string& job_id) {
  ReadPool::Lease conn = readers_.Acquire();
  // tasks_by_job covers the lookup; only the job's own rows are visited.
  return CountBy(*conn, "SELECT state, COUNT(*) FROM tasks WHERE job_id = ?1 GROUP BY state",
                 kAllTaskStates, &job_id);
}

Result<std::map<std::string, int64_t>> SqliteStore::CountAttemptsByOutcome() {
  // Unfinished attempts have no outcome yet and are not counted.
  ReadPool::Lease conn = readers_.Acquire();
  return CountBy(*conn,
                 "SELECT outcome, COUNT(*) FROM attempts WHERE outcome <> '' GROUP BY outcome",
                 kAllOutcomes);
}

Result<int64_t> SqliteStore::CountDeadLetters() {
  ReadPool::Lease conn = readers_.Acquire();
  return conn->QueryInt("SELECT COUNT(*) FROM dead_letters");
}

Result<int64_t> SqliteStore::LastEventSeq() {
  // The rowid's maximum is read from the end of its b-tree: no scan.
  ReadPool::Lease conn = readers_.Acquire();
  return conn->QueryInt("SELECT COALESCE(MAX(seq), 0) FROM events");
}

}  // namespace pipegrid::store::sqlite
