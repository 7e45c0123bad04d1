// The GroupCommitter's observer, as `up` wires it to the ChangeFeed: told of
// every successful commit after the batches' own callbacks, never of a failed
// one; and the commit histograms it keeps for /metrics.
#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <vector>

#include "logs/change_feed.h"
#include "store/committer.h"
#include "store/sqlite/sqlite_store.h"
#include "support/test_util.h"

namespace pipegrid::logs {
namespace {

store::Batch JobBatch(const std::string& id) {
  store::JobRecord j;
  j.id = id;
  j.name = "n";
  j.namespace_ = "default";
  store::Batch b;
  b.put_jobs = {j};
  return b;
}

class CommitFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqliteStore(dir_.Sub("pipegrid.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    committer_ = std::make_unique<store::GroupCommitter>(*store_, SystemClock::Instance());
  }
  void TearDown() override { committer_->Stop(); }

  // Commits and waits for the batch's own callback.
  Status CommitAndWait(store::Batch b) {
    std::promise<Status> done;
    committer_->Commit(std::move(b), [&done](Status s) { done.set_value(s); });
    return done.get_future().get();
  }

  pipegrid::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::GroupCommitter> committer_;
};

TEST_F(CommitFeedTest, ObserverSeesSuccessfulCommitsAfterTheirCallbacks) {
  std::mutex mu;
  std::vector<std::string> seen;  // guarded by mu
  std::promise<void> observed;
  std::atomic<bool> callback_ran{false};
  bool callback_first = false;
  committer_->SetObserver([&](const store::Batch& b) {
    std::lock_guard lock(mu);
    for (const auto& j : b.put_jobs) seen.push_back(j.id);
    if (b.put_jobs.size() == 1 && b.put_jobs[0].id == "j2") {
      callback_first = callback_ran.load();
      observed.set_value();
    }
  });

  // A task of a job that does not exist: the foreign key fails the commit.
  store::Batch bad;
  store::TaskRecord orphan;
  orphan.id = "t1";
  orphan.job_id = "nope";
  orphan.name = "main";
  bad.put_tasks = {orphan};
  EXPECT_FALSE(CommitAndWait(std::move(bad)).ok());
  ASSERT_TRUE(CommitAndWait(JobBatch("j1")).ok());
  committer_->Commit(JobBatch("j2"), [&](Status s) {
    EXPECT_TRUE(s.ok());
    callback_ran = true;
  });
  observed.get_future().get();
  std::lock_guard lock(mu);
  // One commit thread: the failed commit came first and was never observed.
  EXPECT_EQ(seen, (std::vector<std::string>{"j1", "j2"}));
  EXPECT_TRUE(callback_first);
}

TEST_F(CommitFeedTest, FeedSubscribersWakeForTheirJob) {
  ChangeFeed feed;
  committer_->SetObserver([&feed](const store::Batch& b) { feed.Publish(b); });
  std::promise<void> woken;
  auto sub = feed.Subscribe("j7", [&woken] { woken.set_value(); });
  EXPECT_EQ(feed.subscribers(), 1u);
  ASSERT_TRUE(CommitAndWait(JobBatch("j6")).ok());
  ASSERT_TRUE(CommitAndWait(JobBatch("j7")).ok());
  woken.get_future().get();  // set twice would throw: woken exactly once
  sub.Reset();
  EXPECT_EQ(feed.subscribers(), 0u);
}

TEST_F(CommitFeedTest, CommitHistogramsCountEveryCommit) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(CommitAndWait(JobBatch("j" + std::to_string(i))).ok());
  store::CommitStats stats = committer_->stats();
  EXPECT_EQ(stats.commits, 3u);
  EXPECT_EQ(stats.seconds.count(), 3u);
  EXPECT_EQ(stats.merged.count(), 3u);
  // One batch each time: every commit waited for the previous one's answer.
  EXPECT_EQ(stats.merged.sum, 3);
  EXPECT_EQ(stats.merged.counts[0], 3u);  // the le="1" bucket
  EXPECT_EQ(stats.seconds.bounds.size() + 1, stats.seconds.counts.size());
}

}  // namespace
}  // namespace pipegrid::logs
