#include "logs/change_feed.h"

#include <gtest/gtest.h>

namespace pipegrid::logs {
namespace {

store::EventRecord Event(const std::string& job) {
  store::EventRecord e;
  e.job_id = job;
  e.type = "job";
  return e;
}

TEST(ChangeFeedTest, JobSubscribersWakeOnAnyChangeToTheirJob) {
  ChangeFeed feed;
  int j1 = 0, j2 = 0;
  auto s1 = feed.Subscribe("j1", [&] { ++j1; });
  auto s2 = feed.Subscribe("j2", [&] { ++j2; });

  store::Batch task_only;
  store::TaskRecord t;
  t.id = "t1";
  t.job_id = "j1";
  task_only.put_tasks = {t, t};  // twice in one batch: one wake
  feed.Publish(task_only);
  EXPECT_EQ(j1, 1);
  EXPECT_EQ(j2, 0);

  store::Batch deleted;
  deleted.delete_jobs = {"j2"};
  feed.Publish(deleted);
  EXPECT_EQ(j1, 1);
  EXPECT_EQ(j2, 1);

  store::Batch attempt;
  store::AttemptRecord a;
  a.job_id = "j2";
  attempt.put_attempts = {a};
  feed.Publish(attempt);
  EXPECT_EQ(j2, 2);
}

TEST(ChangeFeedTest, AllJobSubscribersWakeOnlyForEvents) {
  ChangeFeed feed;
  int all = 0;
  auto s = feed.Subscribe("", [&] { ++all; });
  store::Batch rows;
  store::JobRecord j;
  j.id = "j1";
  rows.put_jobs = {j};
  feed.Publish(rows);
  EXPECT_EQ(all, 0);
  store::Batch events;
  events.events = {Event("j1"), Event("j2")};
  feed.Publish(events);
  EXPECT_EQ(all, 1);
}

TEST(ChangeFeedTest, ResetAndMovedSubscriptionsStopOrCarryOn) {
  ChangeFeed feed;
  int a = 0, b = 0;
  auto sa = feed.Subscribe("j1", [&] { ++a; });
  ChangeFeed::Subscription sb = feed.Subscribe("j1", [&] { ++b; });
  ChangeFeed::Subscription moved = std::move(sb);
  store::Batch batch;
  batch.events = {Event("j1")};
  feed.Publish(batch);
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 1);
  sa.Reset();
  feed.Publish(batch);
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
  { ChangeFeed::Subscription gone = std::move(moved); }
  feed.Publish(batch);
  EXPECT_EQ(b, 2);
}

}  // namespace
}  // namespace pipegrid::logs
