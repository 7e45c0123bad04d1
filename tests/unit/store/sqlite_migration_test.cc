// Schema versions: upgrading a file an older binary wrote, refusing one a
// newer binary wrote.
#include "store/sqlite/sqlite_store.h"
#include "unit/store/raw_sqlite.h"
#include "unit/store/store_contract.h"

namespace pipegrid::store::testing {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::pipegrid::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::Optional;

bool HasColumn(RawDb& db, const std::string& table, const std::string& column) {
  return db.Int("SELECT COUNT(*) FROM pragma_table_info('" + table + "') WHERE name = '" + column +
                "'") == 1;
}

TEST(SqliteMigrationTest, UpgradeFromVersionOneKeepsRowsAndAddsColumns) {
  TempDir dir;
  const std::string path = dir.Sub("pipegrid.db");
  {
    Result<std::unique_ptr<Store>> v1 = OpenSqliteStore(path, {.migrate_to = 1});
    ASSERT_THAT(v1, IsOk());
  }
  {
    // What a version-1 binary wrote: no attempts.pgid, no tasks.retry_at.
    RawDb raw(path);
    ASSERT_EQ(raw.Int("PRAGMA user_version"), 1);
    EXPECT_FALSE(HasColumn(raw, "attempts", "pgid"));
    EXPECT_FALSE(HasColumn(raw, "tasks", "retry_at"));
    ASSERT_TRUE(raw.Exec(R"sql(
      INSERT INTO jobs (id, name, namespace, external_id, labels, priority, state, reason,
                        spec_json, created_at, started_at, finished_at)
        VALUES ('j1', 'old', 'default', 'ext-1', '{"team":"data"}', 5, 'RUNNING', '',
                '{}', 1000, 2000, NULL);
      INSERT INTO tasks (id, job_id, name, idx, state, reason, depends_on, worker,
                         retries_used, lost_used, attempts_started)
        VALUES ('t1', 'j1', 'fetch', 0, 'RUNNING', '', '["a"]', 'w1', 1, 0, 2);
      INSERT INTO attempts (id, task_id, job_id, number, worker, outcome, exit_code, signal,
                            reason, started_at, finished_at)
        VALUES ('a1', 't1', 'j1', 2, 'w1', '', NULL, NULL, '', 3000, NULL);
      INSERT INTO events (time, job_id, task, attempt, worker, type, from_state, to_state, reason)
        VALUES (4000, 'j1', 'fetch', 2, 'w1', 'task', 'QUEUED', 'RUNNING', '');
    )sql"))
        << raw.error();
  }

  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(path);
  ASSERT_THAT(opened, IsOk());
  Store& store = **opened;
  {
    RawDb raw(path);
    EXPECT_EQ(raw.Int("PRAGMA user_version"), SqliteSchemaVersion());
    EXPECT_TRUE(HasColumn(raw, "attempts", "pgid"));
    EXPECT_TRUE(HasColumn(raw, "tasks", "retry_at"));
    EXPECT_TRUE(HasColumn(raw, "jobs", "deadline_at"));
    EXPECT_TRUE(HasColumn(raw, "tasks", "parent"));
    EXPECT_TRUE(HasColumn(raw, "tasks", "outputs"));
  }

  // The old rows read back, with the new columns empty.
  Result<std::optional<JobRecord>> job = store.GetJobByExternalId("default", "ext-1");
  ASSERT_THAT(job, IsOk());
  ASSERT_TRUE(job->has_value());
  EXPECT_EQ((*job)->id, "j1");
  EXPECT_EQ((*job)->labels.at("team"), "data");
  EXPECT_EQ((*job)->started_at, At(2000));
  EXPECT_EQ((*job)->deadline_at, std::nullopt);
  Result<std::vector<TaskRecord>> tasks = store.ListTasks("j1");
  ASSERT_THAT(tasks, IsOk());
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ(tasks->front().depends_on, std::vector<std::string>{"a"});
  EXPECT_EQ(tasks->front().retry_at, std::nullopt);
  EXPECT_EQ(tasks->front().parent, "");
  EXPECT_EQ(tasks->front().item_index, -1);
  EXPECT_TRUE(tasks->front().outputs.empty());
  Result<std::vector<AttemptRecord>> attempts = store.ListAttempts("j1");
  ASSERT_THAT(attempts, IsOk());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ(attempts->front().pgid, std::nullopt);
  EXPECT_EQ(attempts->front().outcome, Outcome::kNone);
  // Version 2's index serves per-job event history.
  EXPECT_EQ(store.ListEvents({.job_id = "j1"})->size(), 1u);

  // The new columns work.
  TaskRecord task = tasks->front();
  task.state = TaskState::kRetrying;
  task.retry_at = At(9000);
  AttemptRecord attempt = attempts->front();
  attempt.pgid = 4242;
  Batch batch;
  batch.put_tasks = {task};
  batch.put_attempts = {attempt};
  ASSERT_THAT(store.Apply(batch), IsOk());
  EXPECT_THAT(*store.ListTasks("j1"), ElementsAre(task));
  EXPECT_THAT(*store.ListAttempts("j1"), ElementsAre(attempt));
}

TEST(SqliteMigrationTest, OpeningAnUpToDateFileChangesNothing) {
  TempDir dir;
  const std::string path = dir.Sub("pipegrid.db");
  JobRecord job = FullJob("j1");
  {
    Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
    ASSERT_THAT(store, IsOk());
    Batch batch;
    batch.put_jobs = {job};
    ASSERT_THAT((*store)->Apply(batch), IsOk());
  }
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  ASSERT_THAT(store, IsOk());
  EXPECT_THAT(*(*store)->GetJob("j1"), Optional(job));
  RawDb raw(path);
  EXPECT_EQ(raw.Int("PRAGMA user_version"), SqliteSchemaVersion());
}

TEST(SqliteMigrationTest, ANewerSchemaIsRefusedAndLeftAlone) {
  TempDir dir;
  const std::string path = dir.Sub("pipegrid.db");
  {
    RawDb raw(path);
    ASSERT_TRUE(raw.Exec("CREATE TABLE future (x); PRAGMA user_version = 9;")) << raw.error();
  }
  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(path);
  EXPECT_THAT(opened, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(opened.status().message(), "store schema version 9 is newer than this binary's " +
                                           std::to_string(SqliteSchemaVersion()));
  RawDb raw(path);
  EXPECT_EQ(raw.Int("PRAGMA user_version"), 9);
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "delete");  // not even switched to WAL
}

TEST(SqliteMigrationTest, AnUnknownTargetVersionIsInvalid) {
  TempDir dir;
  EXPECT_THAT(OpenSqliteStore(dir.Sub("a.db"), {.migrate_to = SqliteSchemaVersion() + 1}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(OpenSqliteStore(dir.Sub("b.db"), {.migrate_to = -2}),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace pipegrid::store::testing
