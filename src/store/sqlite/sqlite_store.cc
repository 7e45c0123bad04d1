// Opening the SQLite store: connection settings, migrations, the read pool.
#include "store/sqlite/sqlite_store.h"

#include <string>
#include <vector>

#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace pipegrid::store {
namespace {

using sqlite::Connection;

// Enough for the HTTP threads that read concurrently; more only costs memory
// (each connection keeps its own page cache and statements).
constexpr int kReadConnections = 4;
// How long a connection waits for another process's lock before giving up
// with SQLITE_BUSY (Unavailable). Within one process writes are serialised
// by a mutex and WAL readers never wait, so this matters only across
// processes (a second `pipegrid` on the same file, the sqlite3 shell).
constexpr int kBusyTimeoutMs = 5000;

constexpr int64_t kJournalSizeLimit = 64 << 20;
// WAL frames (pages) that make the checkpointer run: sqlite's own default.
constexpr int kCheckpointPages = 1000;

Status Configure(Connection& conn) {
  int rc = sqlite3_busy_timeout(conn.raw(), kBusyTimeoutMs);
  if (rc != SQLITE_OK) return sqlite::SqliteError(conn.raw(), rc, "busy_timeout");
  return Status::Ok();
}

Status ConfigureWriter(Connection& conn, SyncMode sync) {
  PG_ASSIGN_OR_RETURN(sqlite::Statement wal, conn.Prepare("PRAGMA journal_mode = WAL"));
  PG_ASSIGN_OR_RETURN(bool row, wal.Step());
  // The pragma answers with the mode in force; anything else (e.g. a file
  // system without shared memory) means readers would block the writer.
  if (!row || wal.Text(0) != "wal") {
    return Internal("sqlite: cannot switch to WAL mode (got " + (row ? wal.Text(0) : "") + ")");
  }
  // NORMAL in WAL mode syncs at checkpoints only: a commit survives a crash
  // of the process; FULL syncs every commit and survives power loss.
  PG_RETURN_IF_ERROR(conn.Exec(sync == SyncMode::kFull ? "PRAGMA synchronous = FULL"
                                                       : "PRAGMA synchronous = NORMAL"));
  // After a burst the WAL file keeps its size unless told otherwise; this
  // trims it back at the next checkpoint.
  return conn.Exec("PRAGMA journal_size_limit = " + std::to_string(kJournalSizeLimit));
}

Result<std::vector<std::unique_ptr<Connection>>> OpenReaders(const std::string& path) {
  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < kReadConnections; ++i) {
    PG_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                        Connection::Open(path, SQLITE_OPEN_READONLY));
    PG_RETURN_IF_ERROR(Configure(*conn));
    readers.push_back(std::move(conn));
  }
  return readers;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteOptions& options) {
  PG_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                      Connection::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  PG_RETURN_IF_ERROR(Configure(*writer));
  // Refuse a newer schema before changing anything in the file (the journal
  // mode is persistent).
  PG_RETURN_IF_ERROR(sqlite::CheckSchemaNotNewer(*writer));
  // WAL before migrating: a new file is then never in rollback-journal mode.
  PG_RETURN_IF_ERROR(ConfigureWriter(*writer, options.sync));
  PG_RETURN_IF_ERROR(sqlite::Migrate(*writer, options.migrate_to));
  // Off by default in sqlite, per connection; job deletion cascades on it.
  // Turned on after migrating: rebuilding a table (sqlite's recipe for most
  // schema changes) needs it off.
  PG_RETURN_IF_ERROR(writer->Exec("PRAGMA foreign_keys = ON"));
  // Readers open after the writer has put the file in WAL mode and created
  // its tables, so they never see a half-made database.
  PG_ASSIGN_OR_RETURN(std::vector<std::unique_ptr<Connection>> readers, OpenReaders(path));
  PG_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::Checkpointer> checkpointer,
                      sqlite::Checkpointer::Start(path, *writer, kCheckpointPages));
  auto store = std::make_unique<sqlite::SqliteStore>(std::move(writer), std::move(readers));
  store->SetCheckpointer(std::move(checkpointer));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace pipegrid::store
