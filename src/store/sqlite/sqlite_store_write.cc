// The write path: Store::Apply, the group committer's hot path. Every
// statement is prepared once per connection and re-used (Connection::Cached).
#include <mutex>

#include "store/sqlite/sqlite_rows.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace pipegrid::store::sqlite {
namespace {

// Runs the cached statement for `sql` once per record. The statement is
// looked up once per list, not per row: hashing the SQL text is not free.
template <typename Record, typename BindFn>
Status WriteAll(Connection& conn, const std::string& sql, const std::vector<Record>& records,
                BindFn bind) {
  if (records.empty()) return Status::Ok();
  PG_ASSIGN_OR_RETURN(ScopedStatement stmt, conn.Cached(sql));
  for (const Record& record : records) {
    PG_RETURN_IF_ERROR(bind(*stmt, record));
    PG_RETURN_IF_ERROR(stmt->Run());
    stmt->Reset();
  }
  return Status::Ok();
}

Status BindKey(Statement& stmt, const std::string& key) { return stmt.BindText(1, key); }

const std::string kDeleteDeadLetter = "DELETE FROM dead_letters WHERE task_id = ?1";
// Tasks, attempts and dead letters follow their job by ON DELETE CASCADE;
// events carry no foreign key (see the schema) and go explicitly.
const std::string kDeleteJobEvents = "DELETE FROM events WHERE job_id = ?1";
const std::string kDeleteJob = "DELETE FROM jobs WHERE id = ?1";

}  // namespace

Status SqliteStore::Apply(const Batch& batch) {
  if (batch.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(write_mu_);
  PG_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*writer_));
  // Any error returns before Commit(): the transaction's destructor rolls the
  // whole batch back.
  PG_RETURN_IF_ERROR(WriteBatch(batch));
  return txn.Commit();
}

// The order is the one records.h promises: parents before children (the
// foreign keys need it), dead-letter deletes before puts (a requeue and a new
// failure of the same task in one batch leave the new letter), job deletes
// last (they win over anything else the batch says about the job).
Status SqliteStore::WriteBatch(const Batch& batch) {
  Connection& conn = *writer_;
  PG_RETURN_IF_ERROR(WriteAll(conn, JobSql().upsert, batch.put_jobs, BindJob));
  PG_RETURN_IF_ERROR(WriteAll(conn, TaskSql().upsert, batch.put_tasks, BindTask));
  PG_RETURN_IF_ERROR(WriteAll(conn, AttemptSql().upsert, batch.put_attempts, BindAttempt));
  PG_RETURN_IF_ERROR(WriteAll(conn, kDeleteDeadLetter, batch.delete_dead_letters, BindKey));
  PG_RETURN_IF_ERROR(
      WriteAll(conn, DeadLetterSql().upsert, batch.put_dead_letters, BindDeadLetter));
  PG_RETURN_IF_ERROR(WriteAll(conn, EventSql().upsert, batch.events, BindEvent));
  PG_RETURN_IF_ERROR(WriteAll(conn, kDeleteJobEvents, batch.delete_jobs, BindKey));
  PG_RETURN_IF_ERROR(WriteAll(conn, kDeleteJob, batch.delete_jobs, BindKey));
  return Status::Ok();
}

}  // namespace pipegrid::store::sqlite
