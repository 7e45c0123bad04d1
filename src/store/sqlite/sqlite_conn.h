// Private to the SQLite store: RAII owners for sqlite3*, sqlite3_stmt* and
// transactions, and the mapping of sqlite result codes to Status.
//
// Thread-safety: none. A Connection (with its statements) is used by one
// thread at a time; SqliteStore serialises access with a mutex (writer) or a
// pool (readers). Connections are opened SQLITE_OPEN_NOMUTEX for that reason.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/status.h"

namespace pipegrid::store::sqlite {

// Unavailable for SQLITE_BUSY / SQLITE_LOCKED (another writer; retry the
// call), Internal for everything else. The message carries sqlite's own text.
Status SqliteError(sqlite3* db, int rc, std::string_view what);

// One prepared statement. Bind indexes are 1-based, column indexes 0-based
// (sqlite's own conventions).
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  [[nodiscard]] Status BindText(int index, std::string_view value);
  [[nodiscard]] Status BindInt64(int index, int64_t value);
  [[nodiscard]] Status BindNull(int index);
  // NULL when the optional is empty.
  [[nodiscard]] Status BindTime(int index, std::optional<WallTime> value);
  [[nodiscard]] Status BindOptionalInt(int index, std::optional<int64_t> value);

  // Advances to the next row: true when a row is available, false when done.
  [[nodiscard]] Result<bool> Step();
  // Steps a statement that returns no rows (INSERT, UPDATE, DELETE, DDL).
  [[nodiscard]] Status Run();
  // Makes the statement ready for re-use: resets it and clears its bindings.
  void Reset();

  bool IsNull(int column) const;
  int64_t Int64(int column) const;
  std::string Text(int column) const;
  std::optional<WallTime> OptionalTime(int column) const;
  std::optional<int64_t> OptionalInt64(int column) const;

 private:
  sqlite3* db_ = nullptr;  // not owned; for error messages
  sqlite3_stmt* stmt_ = nullptr;
};

// A cached statement on loan: resets it (and clears bindings) when it goes
// out of scope, so the next user starts clean and no read snapshot is held.
class ScopedStatement {
 public:
  explicit ScopedStatement(Statement* stmt) : stmt_(stmt) {}
  ScopedStatement(ScopedStatement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  ScopedStatement(const ScopedStatement&) = delete;
  ScopedStatement& operator=(const ScopedStatement&) = delete;
  ScopedStatement& operator=(ScopedStatement&&) = delete;
  ~ScopedStatement() {
    if (stmt_ != nullptr) stmt_->Reset();
  }
  Statement* operator->() { return stmt_; }
  Statement& operator*() { return *stmt_; }

 private:
  Statement* stmt_;
};

// Owns one sqlite3 connection and its cache of prepared statements.
class Connection {
 public:
  // `flags` as for sqlite3_open_v2; SQLITE_OPEN_NOMUTEX is always added.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, int flags);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return no rows we need.
  [[nodiscard]] Status Exec(const std::string& sql);
  // A fresh statement, finalized when the returned object dies.
  [[nodiscard]] Result<Statement> Prepare(std::string_view sql);
  // A statement prepared once per connection and kept for re-use: for the
  // constant SQL of hot paths. Keyed by the SQL text; one loan per text at a
  // time (a second loan of the same text would share the statement).
  [[nodiscard]] Result<ScopedStatement> Cached(const std::string& sql);
  // Reads a single integer (e.g. PRAGMA user_version).
  [[nodiscard]] Result<int64_t> QueryInt(const std::string& sql);

  sqlite3* raw() { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  // Declared after db_ so statements are finalized before the connection
  // closes (members are destroyed in reverse order).
  std::unordered_map<std::string, Statement> cache_;
};

// BEGIN IMMEDIATE ... COMMIT. Rolls back on destruction unless Commit()
// succeeded, so every early return of an error leaves nothing behind.
class Transaction {
 public:
  // IMMEDIATE takes the write lock at once: a busy database fails here
  // (Unavailable) rather than half-way through the writes.
  static Result<Transaction> Begin(Connection& conn);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  [[nodiscard]] Status Commit();

 private:
  explicit Transaction(Connection& conn) : conn_(&conn) {}
  Connection* conn_;  // null once committed (or moved from)
};

}  // namespace pipegrid::store::sqlite
