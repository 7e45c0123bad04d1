// A direct sqlite3 connection for tests that must look under (or around) the
// Store interface: schema versions, rows written by an older binary, a
// writer that dies mid-transaction.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace pipegrid::store::testing {

class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) error_ = sqlite3_errmsg(db_);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  bool ok() const { return error_.empty(); }
  // The last failure's message; empty while everything succeeded.
  const std::string& error() const { return error_; }

  // Runs `sql`; false (and error()) on failure.
  bool Exec(const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      error_ = msg != nullptr ? msg : sqlite3_errmsg(db_);
      sqlite3_free(msg);
      return false;
    }
    return true;
  }

  // The first column of the first row as an integer, or as text; -1 / "" and
  // error() when the query fails or returns nothing.
  int64_t Int(const std::string& sql) {
    int64_t value = -1;
    Query(sql, [&](sqlite3_stmt* s) { value = sqlite3_column_int64(s, 0); });
    return value;
  }
  std::string Text(const std::string& sql) {
    std::string value;
    Query(sql, [&](sqlite3_stmt* s) {
      const unsigned char* t = sqlite3_column_text(s, 0);
      if (t != nullptr) value = reinterpret_cast<const char*>(t);
    });
    return value;
  }

 private:
  template <typename Fn>
  void Query(const std::string& sql, Fn read) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      error_ = sqlite3_errmsg(db_);
      return;
    }
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      read(stmt);
    } else {
      error_ = "no row from: " + sql;
    }
    sqlite3_finalize(stmt);
  }

  sqlite3* db_ = nullptr;
  std::string error_;
};

}  // namespace pipegrid::store::testing
