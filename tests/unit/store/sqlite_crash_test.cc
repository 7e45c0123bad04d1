// Crashes: a process that dies inside a write transaction leaves nothing of
// it, and everything committed before survives. The writer is a forked child
// so that it can really die (SIGKILL, _exit) while the test lives on.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "store/sqlite/sqlite_store.h"
#include "unit/store/raw_sqlite.h"
#include "unit/store/store_contract.h"

namespace pipegrid::store::testing {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::Optional;

// Exit codes a child uses to say which step failed before it could signal.
enum ChildFailure { kOpenFailed = 10, kWriteFailed = 11 };

// A pipe whose ends close with the object.
struct Pipe {
  Pipe() { PG_CHECK(pipe(fds) == 0); }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  void CloseRead() {
    if (fds[0] >= 0) close(fds[0]);
    fds[0] = -1;
  }
  void CloseWrite() {
    if (fds[1] >= 0) close(fds[1]);
    fds[1] = -1;
  }
  int fds[2] = {-1, -1};
};

// Blocks for one byte; false at end of file (the writer is gone).
bool ReadByte(int fd) {
  char c;
  for (;;) {
    ssize_t n = read(fd, &c, 1);
    if (n == 1) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

void WriteByte(int fd) {
  char c = 'x';
  while (write(fd, &c, 1) < 0 && errno == EINTR) {
  }
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// Committed before any crash: a job with one task and one event.
void CommitBaseline(const std::string& path) {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  ASSERT_THAT(store, IsOk());
  Batch batch;
  batch.put_jobs = {FullJob("j0")};
  batch.put_tasks = {FullTask("t0", "j0")};
  batch.events = {FullEvent("j0")};
  ASSERT_THAT((*store)->Apply(batch), IsOk());
}

void ExpectBaselineIntactAndStoreUsable(const std::string& path) {
  RawDb raw(path);
  EXPECT_EQ(raw.Text("PRAGMA integrity_check"), "ok");
  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(path);
  ASSERT_THAT(opened, IsOk());
  Store& store = **opened;
  EXPECT_THAT(*store.GetJob("j0"), Optional(FullJob("j0")));
  EXPECT_THAT(*store.ListTasks("j0"), ElementsAre(FullTask("t0", "j0")));
  EXPECT_EQ(store.ListEvents({.job_id = "j0"})->size(), 1u);
  Batch batch;
  batch.put_jobs = {BareJob("after")};
  EXPECT_THAT(store.Apply(batch), IsOk());
}

enum class Death { kSigkill, kExit };

class SqliteCrashTest : public ::testing::TestWithParam<Death> {};

// The child opens the store, then writes through its own connection in one
// transaction: changes to committed rows and enough new rows to spill
// uncommitted pages into the WAL file. It signals, then dies.
TEST_P(SqliteCrashTest, WriterDyingMidTransactionLeavesNothing) {
  TempDir dir;
  const std::string path = dir.Sub("pipegrid.db");
  CommitBaseline(path);
  Pipe ready;
  Pipe hold;  // never written: the child blocks on it until killed

  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ready.CloseRead();
    hold.CloseWrite();
    if (!OpenSqliteStore(path).ok()) _exit(kOpenFailed);
    RawDb raw(path);
    bool wrote = raw.Exec("PRAGMA cache_size = 8") && raw.Exec("BEGIN IMMEDIATE") &&
                 raw.Exec("UPDATE jobs SET state = 'FAILED' WHERE id = 'j0'") &&
                 raw.Exec("DELETE FROM tasks WHERE id = 't0'") &&
                 raw.Exec(
                     "INSERT INTO jobs (id, name, namespace, state, created_at) "
                     "VALUES ('j1', 'n', 'default', 'PENDING', 0)") &&
                 raw.Exec(
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                     "WHERE i < 2000) INSERT INTO events (time, job_id, type, reason) "
                     "SELECT i, 'j1', 'task', hex(randomblob(200)) FROM n");
    if (!wrote) _exit(kWriteFailed);
    WriteByte(ready.fds[1]);
    if (GetParam() == Death::kExit) _exit(0);  // no COMMIT, no ROLLBACK, no close
    ReadByte(hold.fds[0]);                     // returns only if the parent is gone
    _exit(0);
  }

  ready.CloseWrite();
  bool signalled = ReadByte(ready.fds[0]);
  // The transaction's pages reached the WAL: recovery must skip them.
  std::error_code ec;
  EXPECT_GT(std::filesystem::file_size(path + "-wal", ec), 100'000u) << ec.message();
  if (GetParam() == Death::kSigkill) kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(signalled) << "child failed before writing: " << DescribeExit(status);
  if (GetParam() == Death::kSigkill) {
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << DescribeExit(status);
  }

  ExpectBaselineIntactAndStoreUsable(path);
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  ASSERT_THAT(store, IsOk());
  EXPECT_EQ(*(*store)->GetJob("j1"), std::nullopt);
  EXPECT_EQ((*store)->ListEvents({.job_id = "j1"})->size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Deaths, SqliteCrashTest, ::testing::Values(Death::kSigkill, Death::kExit),
                         [](const ::testing::TestParamInfo<Death>& info) {
                           return info.param == Death::kSigkill ? "Sigkill" : "Exit";
                         });

// The child commits batches through Store::Apply in a loop, reporting each
// acknowledged one, and is killed at an arbitrary point, most likely inside
// a transaction. Every acknowledged batch must survive and every batch must
// be all there or not at all.
TEST(SqliteCrashKillTest, KilledDuringApplyLoopKeepsAcknowledgedBatchesWhole) {
  constexpr int kTasksPerJob = 50;
  constexpr int kAcknowledgedBeforeKill = 3;
  TempDir dir;
  const std::string path = dir.Sub("pipegrid.db");
  CommitBaseline(path);
  Pipe acks;

  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    acks.CloseRead();
    Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
    if (!store.ok()) _exit(kOpenFailed);
    for (int n = 1;; ++n) {
      std::string job = "job" + std::to_string(100000 + n);
      Batch batch;
      batch.put_jobs = {BareJob(job)};
      for (int t = 0; t < kTasksPerJob; ++t) {
        batch.put_tasks.push_back(BareTask(job + "-t" + std::to_string(t), job, t));
        batch.events.push_back(FullEvent(job));
      }
      if (!(*store)->Apply(batch).ok()) _exit(kWriteFailed);
      WriteByte(acks.fds[1]);
    }
  }

  acks.CloseWrite();
  int acknowledged = 0;
  while (acknowledged < kAcknowledgedBeforeKill && ReadByte(acks.fds[0])) ++acknowledged;
  kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_EQ(acknowledged, kAcknowledgedBeforeKill) << "child: " << DescribeExit(status);

  ExpectBaselineIntactAndStoreUsable(path);
  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(path);
  ASSERT_THAT(opened, IsOk());
  Store& store = **opened;
  int jobs = 0;
  for (int n = 1;; ++n) {
    std::string job = "job" + std::to_string(100000 + n);
    Result<std::optional<JobRecord>> got = store.GetJob(job);
    ASSERT_THAT(got, IsOk());
    if (!got->has_value()) break;
    ++jobs;
    EXPECT_EQ(store.ListTasks(job)->size(), static_cast<size_t>(kTasksPerJob)) << job;
    EXPECT_EQ(store.ListEvents({.job_id = job})->size(), static_cast<size_t>(kTasksPerJob)) << job;
  }
  EXPECT_GE(jobs, kAcknowledgedBeforeKill);
  // Nothing of a batch whose job is missing: no orphans past the last job.
  RawDb raw(path);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM tasks WHERE job_id LIKE 'job%'"), jobs * kTasksPerJob);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM events WHERE job_id LIKE 'job%'"), jobs * kTasksPerJob);
}

}  // namespace
}  // namespace pipegrid::store::testing
