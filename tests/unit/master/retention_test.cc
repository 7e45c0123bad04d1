#include "master/retention.h"

#include <filesystem>
#include <fstream>

#include "store/committer.h"
#include "store/sqlite/sqlite_store.h"
#include "support/test_util.h"

namespace pipegrid::master {
namespace {

store::JobRecord FinishedJob(const std::string& id, WallTime finished) {
  store::JobRecord j;
  j.id = id;
  j.name = id;
  j.namespace_ = "default";
  j.state = JobState::kSucceeded;
  j.spec_json = "{}";
  j.created_at = finished;
  j.finished_at = finished;
  return j;
}

TEST(RetentionTest, DeletesOnlyExpiredJobsWithTheirLogs) {
  pipegrid::testing::TempDir dir;
  auto store = store::OpenSqliteStore(dir.Sub("db"));
  ASSERT_TRUE(store.ok());
  FakeClock clock;
  store::InlineCommitter committer(**store);
  store::Batch batch;
  for (int i = 0; i < 250; ++i) {
    batch.put_jobs.push_back(FinishedJob("old" + std::to_string(1000 + i), clock.Wall()));
  }
  batch.put_jobs.push_back(FinishedJob("fresh", clock.Wall() + Millis(3600'000)));
  ASSERT_TRUE((*store)->Apply(batch).ok());
  std::filesystem::create_directories(dir.Sub("logs/old1000/t"));
  std::ofstream(dir.Sub("logs/old1000/t/1.log")) << "x";
  std::filesystem::create_directories(dir.Sub("logs/fresh"));

  clock.Advance(std::chrono::hours(24 * 7 + 1));
  RetentionOptions options;
  options.retention = Millis(7LL * 24 * 3600 * 1000);
  options.batch_size = 100;
  options.log_dir = dir.Sub("logs");
  RetentionSweeper sweeper(
      **store,
      [&](std::vector<std::string> ids, std::function<void(Status)> done) {
        store::Batch purge;
        purge.delete_jobs = std::move(ids);
        committer.Commit(std::move(purge), std::move(done));
      },
      clock, options);
  auto deleted = sweeper.SweepOnce();
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 250);
  auto left = (*store)->ListJobs({});
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].id, "fresh");
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("logs/old1000")));
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("logs/fresh")));
}

}  // namespace
}  // namespace pipegrid::master
