#include "logs/event_follower.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/logs/follower_fixture.h"

namespace pipegrid::logs {
namespace {

using Kind = Piece::Kind;
using ::testing::HasSubstr;

class EventFollowerTest : public testing::FollowerTest {
 protected:
  std::unique_ptr<EventFollower> Follow(EventFollowOptions o) {
    auto to_json = [](const store::EventRecord& e) {
      return "{\"job\":\"" + e.job_id + "\",\"to\":\"" + e.to + "\"}";
    };
    auto f = std::make_unique<EventFollower>(*store_, feed_, to_json, o);
    f->Start([this] { ++wakes_; });
    return f;
  }
};

TEST_F(EventFollowerTest, AJobsHistoryThenItsNewEventsThenTheEnd) {
  AddEvent("task", "QUEUED");        // seq 1
  AddEvent("job", "RUNNING", "j2");  // seq 2: another job
  auto f = Follow({.job_id = "j1"});
  Piece first = f->Next();
  EXPECT_EQ(first.kind, Kind::kData);
  EXPECT_EQ(first.data, "id: 1\nevent: task\ndata: {\"job\":\"j1\",\"to\":\"QUEUED\"}\n\n");
  EXPECT_EQ(f->Next().kind, Kind::kWait);
  AddEvent("task", "RUNNING");  // seq 3
  EXPECT_EQ(wakes_, 1);
  EXPECT_EQ(f->Next().data, "id: 3\nevent: task\ndata: {\"job\":\"j1\",\"to\":\"RUNNING\"}\n\n");
  SetJob(JobState::kSucceeded);  // seq 4, with the finished state
  Piece last = f->Next();
  EXPECT_EQ(last.kind, Kind::kData);
  EXPECT_THAT(last.data, HasSubstr("id: 4\nevent: job\n"));
  EXPECT_EQ(f->Next().kind, Kind::kEnd);
}

TEST_F(EventFollowerTest, PagesThroughALongHistory) {
  for (int i = 0; i < 5; ++i) AddEvent("task", "QUEUED");
  auto f = Follow({.job_id = "j1", .page = 2});
  EXPECT_THAT(f->Next().data, HasSubstr("id: 2\n"));
  EXPECT_THAT(f->Next().data, HasSubstr("id: 4\n"));
  Piece third = f->Next();
  EXPECT_EQ(third.data, "id: 5\nevent: task\ndata: {\"job\":\"j1\",\"to\":\"QUEUED\"}\n\n");
  EXPECT_EQ(f->Next().kind, Kind::kWait);
}

TEST_F(EventFollowerTest, ResumesAfterSince) {
  for (int i = 0; i < 3; ++i) AddEvent("task", "QUEUED");
  auto f = Follow({.job_id = "j1", .since = 2});
  EXPECT_EQ(f->Next().data, "id: 3\nevent: task\ndata: {\"job\":\"j1\",\"to\":\"QUEUED\"}\n\n");
}

TEST_F(EventFollowerTest, AllJobsFromLatestSkipsTheHistory) {
  AddEvent("task", "QUEUED");
  AddEvent("job", "RUNNING", "j2");
  auto f = Follow({.from_latest = true});
  EXPECT_EQ(f->Next().kind, Kind::kWait);
  AddEvent("job", "FAILED", "j2");  // seq 3
  EXPECT_EQ(wakes_, 1);
  EXPECT_EQ(f->Next().data, "id: 3\nevent: job\ndata: {\"job\":\"j2\",\"to\":\"FAILED\"}\n\n");
  EXPECT_EQ(f->Next().kind, Kind::kWait);  // the all-jobs stream never ends by itself
}

TEST_F(EventFollowerTest, ADeletedJobEndsItsStream) {
  auto f = Follow({.job_id = "j1"});
  EXPECT_EQ(f->Next().kind, Kind::kWait);
  store::Batch del;
  del.delete_jobs = {"j1"};
  Commit(std::move(del));
  EXPECT_EQ(f->Next().kind, Kind::kEnd);
}

}  // namespace
}  // namespace pipegrid::logs
