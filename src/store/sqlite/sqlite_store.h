// The SQLite store: one file in WAL mode, schema versioned by PRAGMA
// user_version with numbered forward-only migrations applied at Open().
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace pipegrid::store {

enum class SyncMode {
  kNormal,  // survives a crash of the process (WAL + synchronous=NORMAL)
  kFull,    // also survives power loss
};

struct SqliteOptions {
  SyncMode sync = SyncMode::kNormal;
  // Apply migrations up to this version only (tests of upgrades); -1: all.
  int migrate_to = -1;
};

// The newest schema version this binary knows.
int SqliteSchemaVersion();

// Opens (creating if missing) the database file at `path`. FailedPrecondition
// if the file's schema is newer than this binary's.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteOptions& options = {});

}  // namespace pipegrid::store
