// The SQLite store: runs the Store contract suite, then what is particular to
// SQLite (durability across reopen, connection settings, concurrent readers,
// errors opening odd files).
#include "store/sqlite/sqlite_store.h"

#include <atomic>
#include <fstream>
#include <thread>

#include "unit/store/raw_sqlite.h"
#include "unit/store/store_contract.h"

namespace pipegrid::store::testing {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::pipegrid::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

Result<std::unique_ptr<Store>> OpenInDir(const std::string& dir) {
  return OpenSqliteStore(dir + "/pipegrid.db");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(StoreFactory{"sqlite", OpenInDir}), StoreFactoryName);

std::unique_ptr<Store> MustOpen(const std::string& path, const SqliteOptions& options = {}) {
  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(path, options);
  EXPECT_THAT(opened, IsOk());
  return opened.ok() ? std::move(opened).value() : nullptr;
}

TEST(SqliteStoreTest, CommittedDataSurvivesReopen) {
  TempDir dir;
  const std::string path = dir.Sub("pipegrid.db");
  JobRecord job = FullJob("j1");
  TaskRecord task = FullTask("t1", "j1");
  AttemptRecord attempt = FullAttempt("a1", "t1", "j1");
  {
    std::unique_ptr<Store> store = MustOpen(path);
    ASSERT_NE(store, nullptr);
    Batch batch;
    batch.put_jobs = {job};
    batch.put_tasks = {task};
    batch.put_attempts = {attempt};
    batch.events = {FullEvent("j1")};
    ASSERT_THAT(store->Apply(batch), IsOk());
  }
  std::unique_ptr<Store> store = MustOpen(path);
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(*store->GetJob("j1"), Optional(job));
  EXPECT_THAT(*store->ListTasks("j1"), ElementsAre(task));
  EXPECT_THAT(*store->ListAttempts("j1"), ElementsAre(attempt));
  EXPECT_EQ(store->ListEvents({})->size(), 1u);
}

TEST(SqliteStoreTest, FileIsInWalModeAtTheNewestSchemaVersion) {
  TempDir dir;
  const std::string path = dir.Sub("pipegrid.db");
  std::unique_ptr<Store> store = MustOpen(path, {.sync = SyncMode::kFull});
  ASSERT_NE(store, nullptr);
  RawDb raw(path);
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.Int("PRAGMA user_version"), SqliteSchemaVersion());
  EXPECT_EQ(raw.error(), "");
}

TEST(SqliteStoreTest, ReadersSeeOnlyCommittedWritesWhileAnotherConnectionWrites) {
  TempDir dir;
  const std::string path = dir.Sub("pipegrid.db");
  std::unique_ptr<Store> store = MustOpen(path);
  ASSERT_NE(store, nullptr);
  RawDb writer(path);
  ASSERT_TRUE(writer.Exec("BEGIN IMMEDIATE")) << writer.error();
  ASSERT_TRUE(
      writer.Exec("INSERT INTO jobs (id, name, namespace, state, created_at) "
                  "VALUES ('j1', 'n', 'default', 'PENDING', 0)"))
      << writer.error();
  // WAL: a read does not wait for the open write transaction, and does not
  // see it.
  EXPECT_EQ(*store->GetJob("j1"), std::nullopt);
  ASSERT_TRUE(writer.Exec("COMMIT")) << writer.error();
  EXPECT_NE(*store->GetJob("j1"), std::nullopt);
}

TEST(SqliteStoreTest, ConcurrentReadersAndOneWriterAllSucceed) {
  TempDir dir;
  std::unique_ptr<Store> store = MustOpen(dir.Sub("pipegrid.db"));
  ASSERT_NE(store, nullptr);
  constexpr int kJobs = 200;
  constexpr int kReaders = 6;  // more than the pool holds: some wait their turn
  std::atomic<bool> writing{true};
  std::atomic<int> read_errors{0};
  std::atomic<int> torn_reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      // A few reads even if the writer is done first, so none is vacuous.
      for (int round = 0; writing.load() || round < 3; ++round) {
        Result<std::vector<JobRecord>> jobs = store->ListJobs({.limit = 1000});
        if (!jobs.ok()) {
          ++read_errors;
          continue;
        }
        // Each job commits with its task: a job seen without it is a torn read.
        for (const JobRecord& job : *jobs) {
          Result<std::vector<TaskRecord>> tasks = store->ListTasks(job.id);
          if (!tasks.ok()) {
            ++read_errors;
          } else if (tasks->size() != 1) {
            ++torn_reads;
          }
        }
      }
    });
  }
  for (int i = 0; i < kJobs; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "j%04d", i);
    Batch batch;
    batch.put_jobs = {BareJob(id)};
    batch.put_tasks = {BareTask(std::string(id) + "-t", id)};
    ASSERT_THAT(store->Apply(batch), IsOk());
  }
  writing = false;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(read_errors.load(), 0);
  EXPECT_EQ(torn_reads.load(), 0);
  EXPECT_EQ(store->ListJobs({.limit = 1000})->size(), static_cast<size_t>(kJobs));
}

TEST(SqliteStoreTest, AFileThatIsNotADatabaseIsAnInternalError) {
  TempDir dir;
  const std::string path = dir.Sub("junk.db");
  std::ofstream(path) << std::string(4096, 'x');
  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(path);
  EXPECT_THAT(opened, StatusIs(StatusCode::kInternal));
  EXPECT_THAT(opened.status().message(), HasSubstr("not a database"));
}

TEST(SqliteStoreTest, AMissingDirectoryIsAnError) {
  TempDir dir;
  EXPECT_THAT(OpenSqliteStore(dir.Sub("no/such/dir/pipegrid.db")), StatusIs(StatusCode::kInternal));
}

}  // namespace
}  // namespace pipegrid::store::testing
