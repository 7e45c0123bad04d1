#include "store/sqlite/sqlite_conn.h"

#include <utility>

#include "common/time_format.h"

namespace pipegrid::store::sqlite {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  // The extended code's low byte is the primary code (SQLITE_BUSY_SNAPSHOT...).
  int primary = rc & 0xff;
  std::string message = "sqlite: ";
  message += what;
  message += ": ";
  // sqlite3_errmsg describes the most recent failure on the connection, which
  // is this one; without a connection only the generic text is known.
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Unavailable(std::move(message));
  return Internal(std::move(message));
}

// --- Statement ---

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }  // no-op on null

Status Statement::BindText(int index, std::string_view value) {
  // SQLITE_TRANSIENT: sqlite copies, so callers may pass temporaries.
  int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
  return Status::Ok();
}

Status Statement::BindInt64(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
  return Status::Ok();
}

Status Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
  return Status::Ok();
}

Status Statement::BindTime(int index, std::optional<WallTime> value) {
  if (!value) return BindNull(index);
  return BindInt64(index, ToUnixMillis(*value));
}

Status Statement::BindOptionalInt(int index, std::optional<int64_t> value) {
  if (!value) return BindNull(index);
  return BindInt64(index, *value);
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // The start of the SQL says which statement failed without flooding logs.
  std::string_view sql = sqlite3_sql(stmt_);
  return SqliteError(db_, rc, sql.substr(0, 60));
}

Status Statement::Run() {
  PG_ASSIGN_OR_RETURN(bool row, Step());
  // A row here means the SQL was meant to be read: a bug in the caller.
  PG_CHECK(!row);
  return Status::Ok();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::Int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<WallTime> Statement::OptionalTime(int column) const {
  if (IsNull(column)) return std::nullopt;
  return FromUnixMillis(Int64(column));
}

std::optional<int64_t> Statement::OptionalInt64(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int64(column);
}

// --- Connection ---

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(db, rc, "open " + path);
    sqlite3_close_v2(db);  // sqlite allocates a handle even when open fails
    return status;
  }
  // Extended codes tell SQLITE_BUSY_SNAPSHOT and friends apart in messages.
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  cache_.clear();
  sqlite3_close_v2(db_);
}

Status Connection::Exec(const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);  // the same text is available from sqlite3_errmsg
  if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
  return Status::Ok();
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
  return Statement(db_, stmt);
}

Result<ScopedStatement> Connection::Cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    // PERSISTENT tells sqlite the statement lives long, so it is allocated
    // outside the lookaside pool meant for short-lived ones.
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
    it = cache_.emplace(sql, Statement(db_, stmt)).first;
  }
  return ScopedStatement(&it->second);
}

Result<int64_t> Connection::QueryInt(const std::string& sql) {
  PG_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  PG_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Internal("sqlite: no row from " + sql);
  return stmt.Int64(0);
}

// --- Transaction ---

Result<Transaction> Transaction::Begin(Connection& conn) {
  PG_ASSIGN_OR_RETURN(ScopedStatement begin, conn.Cached("BEGIN IMMEDIATE"));
  PG_RETURN_IF_ERROR(begin->Run());
  return Transaction(conn);
}

Transaction::~Transaction() {
  if (conn_ == nullptr) return;
  // Some errors (SQLITE_FULL, SQLITE_IOERR, ...) already rolled back; a second
  // ROLLBACK would only fail with "no transaction is active".
  if (sqlite3_get_autocommit(conn_->raw()) != 0) return;
  Status status = conn_->Exec("ROLLBACK");
  // A failed rollback leaves the connection inside a transaction that every
  // later write would join: continuing would break atomicity.
  if (!status.ok()) CheckFailed(__FILE__, __LINE__, "ROLLBACK", status.ToString());
}

Status Transaction::Commit() {
  PG_CHECK(conn_ != nullptr);
  PG_ASSIGN_OR_RETURN(ScopedStatement commit, conn_->Cached("COMMIT"));
  PG_RETURN_IF_ERROR(commit->Run());
  conn_ = nullptr;
  return Status::Ok();
}

}  // namespace pipegrid::store::sqlite
