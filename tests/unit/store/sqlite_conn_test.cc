// The SQLite store's private RAII layer: error mapping, transactions that
// roll back unless committed, cached statements that come back clean.
#include "store/sqlite/sqlite_conn.h"

#include "support/test_util.h"

namespace pipegrid::store::sqlite {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::pipegrid::testing::TempDir;
using ::testing::HasSubstr;

TEST(SqliteErrorTest, BusyAndLockedAreUnavailableEverythingElseInternal) {
  EXPECT_THAT(SqliteError(nullptr, SQLITE_BUSY, "x"), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(SqliteError(nullptr, SQLITE_BUSY_SNAPSHOT, "x"), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(SqliteError(nullptr, SQLITE_LOCKED, "x"), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(SqliteError(nullptr, SQLITE_CONSTRAINT_UNIQUE, "x"), StatusIs(StatusCode::kInternal));
  EXPECT_THAT(SqliteError(nullptr, SQLITE_CORRUPT, "x"), StatusIs(StatusCode::kInternal));
  EXPECT_THAT(SqliteError(nullptr, SQLITE_FULL, "insert").message(),
              HasSubstr("insert: database or disk is full"));
}

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Connection>> conn =
        Connection::Open(dir_.Sub("t.db"), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_THAT(conn, IsOk());
    conn_ = std::move(conn).value();
    ASSERT_THAT(conn_->Exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)"), IsOk());
  }
  int64_t Count() { return *conn_->QueryInt("SELECT COUNT(*) FROM t"); }

  TempDir dir_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(ConnectionTest, TransactionRollsBackUnlessCommitted) {
  {
    Result<Transaction> txn = Transaction::Begin(*conn_);
    ASSERT_THAT(txn, IsOk());
    ASSERT_THAT(conn_->Exec("INSERT INTO t VALUES ('a', 1)"), IsOk());
  }
  EXPECT_EQ(Count(), 0);
  {
    Result<Transaction> txn = Transaction::Begin(*conn_);
    ASSERT_THAT(txn, IsOk());
    ASSERT_THAT(conn_->Exec("INSERT INTO t VALUES ('a', 1)"), IsOk());
    ASSERT_THAT(txn->Commit(), IsOk());
  }
  EXPECT_EQ(Count(), 1);
}

TEST_F(ConnectionTest, AFailedStatementInsideATransactionRollsBackAllOfIt) {
  ASSERT_THAT(conn_->Exec("INSERT INTO t VALUES ('a', 1)"), IsOk());
  {
    Result<Transaction> txn = Transaction::Begin(*conn_);
    ASSERT_THAT(txn, IsOk());
    ASSERT_THAT(conn_->Exec("INSERT INTO t VALUES ('b', 2)"), IsOk());
    EXPECT_THAT(conn_->Exec("INSERT INTO t VALUES ('a', 3)"), StatusIs(StatusCode::kInternal));
  }
  EXPECT_EQ(Count(), 1);
}

TEST_F(ConnectionTest, CachedStatementsAreReusedAndComeBackClean) {
  const std::string insert = "INSERT INTO t VALUES (?1, ?2)";
  for (int i = 0; i < 3; ++i) {
    Result<ScopedStatement> stmt = conn_->Cached(insert);
    ASSERT_THAT(stmt, IsOk());
    ASSERT_THAT((*stmt)->BindText(1, "k" + std::to_string(i)), IsOk());
    ASSERT_THAT((*stmt)->BindInt64(2, i), IsOk());
    ASSERT_THAT((*stmt)->Run(), IsOk());
  }
  EXPECT_EQ(Count(), 3);
  // Bindings were cleared on return: an unbound ?2 is NULL.
  {
    Result<ScopedStatement> stmt = conn_->Cached(insert);
    ASSERT_THAT(stmt, IsOk());
    ASSERT_THAT((*stmt)->BindText(1, "unbound"), IsOk());
    ASSERT_THAT((*stmt)->Run(), IsOk());
  }
  EXPECT_EQ(*conn_->QueryInt("SELECT COUNT(*) FROM t WHERE v IS NULL"), 1);
}

TEST_F(ConnectionTest, BadSqlIsAnInternalErrorNamingTheProblem) {
  Result<Statement> stmt = conn_->Prepare("SELECT nope FROM t");
  EXPECT_THAT(stmt, StatusIs(StatusCode::kInternal));
  EXPECT_THAT(stmt.status().message(), HasSubstr("no such column: nope"));
}

}  // namespace
}  // namespace pipegrid::store::sqlite
