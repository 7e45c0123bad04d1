// Private to the SQLite store: the schema as an ordered list of numbered,
// forward-only migrations. PRAGMA user_version holds the number of the last
// one applied; each migration runs in its own transaction together with the
// bump of user_version, so a crash leaves the file at a whole version.
//
// To change the schema, append a migration; never edit a released one.
#pragma once

#include "common/status.h"
#include "store/sqlite/sqlite_conn.h"

namespace pipegrid::store::sqlite {

// FailedPrecondition if the file's schema is newer than this binary knows.
// Reads only: call before changing anything in a file that may not be ours.
[[nodiscard]] Status CheckSchemaNotNewer(Connection& conn);

// Brings the file up to `target` (-1: the newest version). FailedPrecondition
// if the file is already newer than this binary knows; InvalidArgument for a
// target this binary does not know.
[[nodiscard]] Status Migrate(Connection& conn, int target);

}  // namespace pipegrid::store::sqlite
