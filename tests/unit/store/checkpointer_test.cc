// Checkpointer: the writer's commits no longer checkpoint; the thread does,
// once the WAL has grown past its threshold.
#include "store/sqlite/checkpointer.h"

#include <filesystem>

#include "support/test_util.h"

namespace pipegrid::store::sqlite {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::TempDir;

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conn = Connection::Open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_THAT(conn, IsOk());
    writer_ = std::move(conn).value();
    ASSERT_THAT(writer_->Exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x BLOB)"), IsOk());
  }
  // One commit that adds about `pages` pages to the WAL.
  void Write(int pages) {
    ASSERT_THAT(writer_->Exec("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s "
                              "WHERE i < " + std::to_string(pages) +
                              ") INSERT INTO t SELECT randomblob(4000) FROM s"),
                IsOk());
  }
  int64_t WalBytes() {
    std::error_code ec;
    auto size = std::filesystem::file_size(path_ + "-wal", ec);
    return ec ? 0 : static_cast<int64_t>(size);
  }
  int64_t DbBytes() { return static_cast<int64_t>(std::filesystem::file_size(path_)); }

  TempDir dir_;
  std::string path_ = dir_.Sub("t.db");
  std::unique_ptr<Connection> writer_;
};

TEST_F(CheckpointerTest, AGrownWalIsCheckpointedByTheThreadNotByTheCommit) {
  auto checkpointer = Checkpointer::Start(path_, *writer_, 50);
  ASSERT_THAT(checkpointer, IsOk());
  const int64_t db_before = DbBytes();
  Write(10);  // below the threshold: nothing moves
  EXPECT_EQ((*checkpointer)->WaitForRuns(1, std::chrono::milliseconds(0)), 0);
  Write(60);  // past it
  ASSERT_GE((*checkpointer)->WaitForRuns(1, std::chrono::seconds(20)), 1);
  // The pages reached the database file; the commit itself only appended.
  EXPECT_GT(DbBytes(), db_before + 50 * 4000);
}

TEST_F(CheckpointerTest, ACommitPastSqlitesOwnThresholdNoLongerCheckpoints) {
  // sqlite would checkpoint inside this commit (its default is 1000 pages);
  // with the hook installed the pages stay in the WAL until the thread runs.
  auto checkpointer = Checkpointer::Start(path_, *writer_, 1'000'000);
  ASSERT_THAT(checkpointer, IsOk());
  const int64_t db_before = DbBytes();
  Write(1'100);
  EXPECT_EQ(DbBytes(), db_before);
  EXPECT_GT(WalBytes(), 1'100 * 4000);
}

TEST_F(CheckpointerTest, StoppingRemovesTheHookAndCheckpointsOnceMore) {
  {
    auto checkpointer = Checkpointer::Start(path_, *writer_, 1'000'000);
    ASSERT_THAT(checkpointer, IsOk());
    Write(20);
  }  // destroyed: a last checkpoint
  EXPECT_GT(DbBytes(), 20 * 4000);
  Write(5);  // the writer works on without the hook
}

}  // namespace
}  // namespace pipegrid::store::sqlite
