#include "store/sqlite/sqlite_schema.h"

#include <array>
#include <string>

#include "store/sqlite/sqlite_store.h"

namespace pipegrid::store::sqlite {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Times are unix milliseconds (INTEGER); labels and depends_on are JSON text.
// Foreign keys cascade job deletion to tasks, attempts and dead letters.
// Events have no foreign key: worker events belong to no job, and history is
// worth keeping even if a writer races a job's deletion.
constexpr Migration kMigration1 = {1, R"sql(
CREATE TABLE jobs (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  namespace   TEXT NOT NULL,
  external_id TEXT NOT NULL DEFAULT '',
  labels      TEXT NOT NULL DEFAULT '{}',
  priority    INTEGER NOT NULL DEFAULT 0,
  state       TEXT NOT NULL,
  reason      TEXT NOT NULL DEFAULT '',
  spec_json   TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  started_at  INTEGER,
  finished_at INTEGER
);
-- ListJobs / ListUnfinishedJobs by state, newest first.
CREATE INDEX jobs_by_state ON jobs(state, id);
-- ListJobs by namespace, newest first.
CREATE INDEX jobs_by_namespace ON jobs(namespace, id);
-- Exactly-once submit: one job per (namespace, externalId) when one is given.
CREATE UNIQUE INDEX jobs_by_external_id ON jobs(namespace, external_id)
  WHERE external_id <> '';
-- Retention: ListExpiredJobs.
CREATE INDEX jobs_by_finished_at ON jobs(finished_at, id) WHERE finished_at IS NOT NULL;

CREATE TABLE tasks (
  id               TEXT PRIMARY KEY,
  job_id           TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  idx              INTEGER NOT NULL,
  state            TEXT NOT NULL,
  reason           TEXT NOT NULL DEFAULT '',
  depends_on       TEXT NOT NULL DEFAULT '[]',
  worker           TEXT NOT NULL DEFAULT '',
  retries_used     INTEGER NOT NULL DEFAULT 0,
  lost_used        INTEGER NOT NULL DEFAULT 0,
  attempts_started INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tasks_by_job ON tasks(job_id, idx);

CREATE TABLE attempts (
  id          TEXT PRIMARY KEY,
  task_id     TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  number      INTEGER NOT NULL,
  worker      TEXT NOT NULL DEFAULT '',
  outcome     TEXT NOT NULL DEFAULT '',
  exit_code   INTEGER,
  signal      INTEGER,
  reason      TEXT NOT NULL DEFAULT '',
  started_at  INTEGER,
  finished_at INTEGER
);
CREATE INDEX attempts_by_job ON attempts(job_id);
-- Also serves the cascade from tasks.
CREATE INDEX attempts_by_task ON attempts(task_id, number);

CREATE TABLE events (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  time       INTEGER NOT NULL,
  job_id     TEXT NOT NULL DEFAULT '',
  task       TEXT NOT NULL DEFAULT '',
  attempt    INTEGER NOT NULL DEFAULT 0,
  worker     TEXT NOT NULL DEFAULT '',
  type       TEXT NOT NULL,
  from_state TEXT NOT NULL DEFAULT '',
  to_state   TEXT NOT NULL DEFAULT '',
  reason     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE dead_letters (
  task_id   TEXT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
  job_id    TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  namespace TEXT NOT NULL,
  task      TEXT NOT NULL,
  attempts  INTEGER NOT NULL DEFAULT 0,
  outcome   TEXT NOT NULL DEFAULT '',
  reason    TEXT NOT NULL DEFAULT '',
  failed_at INTEGER NOT NULL
);
)sql"};

// Version 2: indexes for per-job event history and dead-letter listing, the
// process group of an attempt (killing leftovers after a crash of `up`), and
// the end of a RETRYING task's backoff (so recovery resumes it on time rather
// than retrying at once).
constexpr Migration kMigration2 = {2, R"sql(
CREATE INDEX events_by_job ON events(job_id, seq);
CREATE INDEX dead_letters_by_namespace ON dead_letters(namespace, task_id);
-- Serves the cascade from jobs.
CREATE INDEX dead_letters_by_job ON dead_letters(job_id);
ALTER TABLE attempts ADD COLUMN pgid INTEGER;
ALTER TABLE tasks ADD COLUMN retry_at INTEGER;
)sql"};

// Version 3: a job's timeout deadline (it moves on retry and requeue, so it
// cannot be derived from created_at after a restart), and indexes that let
// /metrics count tasks and attempts by state and outcome from an index
// instead of the tables.
constexpr Migration kMigration3 = {3, R"sql(
ALTER TABLE jobs ADD COLUMN deadline_at INTEGER;
CREATE INDEX tasks_by_state ON tasks(state);
CREATE INDEX attempts_by_outcome ON attempts(outcome);
)sql"};

// Version 4: fan-out instances (a task row per forEach item, naming its task
// as parent) and the manifest of the files a task kept (outputs.files).
constexpr Migration kMigration4 = {4, R"sql(
ALTER TABLE tasks ADD COLUMN parent TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN item_index INTEGER NOT NULL DEFAULT -1;
ALTER TABLE tasks ADD COLUMN item TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN outputs TEXT NOT NULL DEFAULT '[]';
)sql"};

// Version 5: API tokens (DESIGN §6), their secrets hashed.
constexpr Migration kMigration5 = {5, R"sql(
CREATE TABLE tokens (
  id          TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  role        TEXT NOT NULL,
  namespaces  TEXT NOT NULL DEFAULT '[]',
  name        TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
)sql"};

constexpr std::array kMigrations = {kMigration1, kMigration2, kMigration3, kMigration4,
                                    kMigration5};

constexpr bool NumberedInOrder() {
  for (size_t i = 0; i < kMigrations.size(); ++i) {
    if (kMigrations[i].version != static_cast<int>(i) + 1) return false;
  }
  return true;
}
static_assert(NumberedInOrder(), "migrations are numbered 1..N in order");

Status ApplyMigration(Connection& conn, const Migration& migration) {
  PG_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn));
  // Re-read under the write lock: another process opening the same file may
  // have applied this migration since we last looked.
  PG_ASSIGN_OR_RETURN(int64_t current, conn.QueryInt("PRAGMA user_version"));
  if (current >= migration.version) return Status::Ok();  // txn rolls back: nothing to undo
  PG_RETURN_IF_ERROR(conn.Exec(migration.sql));
  // user_version lives in the database header, so it commits with the DDL.
  PG_RETURN_IF_ERROR(conn.Exec("PRAGMA user_version = " + std::to_string(migration.version)));
  return txn.Commit();
}

}  // namespace

Status CheckSchemaNotNewer(Connection& conn) {
  const int newest = SqliteSchemaVersion();
  PG_ASSIGN_OR_RETURN(int64_t current, conn.QueryInt("PRAGMA user_version"));
  if (current > newest) {
    return FailedPrecondition("store schema version " + std::to_string(current) +
                              " is newer than this binary's " + std::to_string(newest));
  }
  return Status::Ok();
}

Status Migrate(Connection& conn, int target) {
  const int newest = SqliteSchemaVersion();
  if (target == -1) target = newest;
  if (target < 0 || target > newest) {
    return InvalidArgument("migrate_to " + std::to_string(target) +
                           " is not a known schema version");
  }
  PG_RETURN_IF_ERROR(CheckSchemaNotNewer(conn));
  PG_ASSIGN_OR_RETURN(int64_t current, conn.QueryInt("PRAGMA user_version"));
  for (const Migration& migration : kMigrations) {
    if (migration.version <= current || migration.version > target) continue;
    PG_RETURN_IF_ERROR(ApplyMigration(conn, migration));
  }
  return Status::Ok();
}

}  // namespace pipegrid::store::sqlite

namespace pipegrid::store {

int SqliteSchemaVersion() {
  // Numbered 1..N in order (checked above): the newest is the last one.
  return sqlite::kMigrations.back().version;
}

}  // namespace pipegrid::store
