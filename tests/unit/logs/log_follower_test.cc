#include "logs/log_follower.h"

#include <gmock/gmock.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "logs/log_watcher.h"
#include <gtest/gtest.h>

#include "unit/logs/follower_fixture.h"

namespace pipegrid::logs {
namespace {

using Kind = Piece::Kind;

class LogFollowerTest : public testing::FollowerTest {
 protected:
  std::unique_ptr<LogFollower> Follow(LogFollowOptions o = {}) {
    o.job_id = "j1";
    o.task = "main";
    auto f = std::make_unique<LogFollower>(*store_, feed_, nullptr, LogDir(), o);
    f->Start([this] { ++wakes_; });
    return f;
  }
  std::unique_ptr<LogFollower> FollowSse(LogFollowOptions o = {}) {
    o.sse = true;
    return Follow(o);
  }
};

MATCHER_P(IsData, text, "") { return arg.kind == Kind::kData && arg.data == text; }
MATCHER_P(IsEnd, text, "") { return arg.kind == Kind::kEnd && arg.data == text; }
MATCHER(IsWait, "") { return arg.kind == Kind::kWait; }

TEST_F(LogFollowerTest, SendsWhatIsThereThenNewOutputThenEndsWithTheTask) {
  SetTask(TaskState::kRunning, 1);
  WriteLog(1, "hello\n");
  auto f = Follow();
  EXPECT_THAT(f->Next(), IsData("hello\n"));
  EXPECT_THAT(f->Next(), IsWait());
  WriteLog(1, "more");
  EXPECT_THAT(f->Next(), IsData("more"));
  EXPECT_THAT(f->Next(), IsWait());
  SetTask(TaskState::kSucceeded, 1);
  EXPECT_THAT(f->Next(), IsEnd(""));
}

TEST_F(LogFollowerTest, OutputWrittenBeforeTheEndIsCommittedIsNotLost) {
  SetTask(TaskState::kRunning, 1);
  WriteLog(1, "a");
  auto f = Follow();
  EXPECT_THAT(f->Next(), IsData("a"));
  // The worker drains the pipe, then reports; the end is committed after.
  WriteLog(1, "b");
  SetTask(TaskState::kFailed, 1);
  EXPECT_THAT(f->Next(), IsData("b"));
  EXPECT_THAT(f->Next(), IsEnd(""));
}

TEST_F(LogFollowerTest, ContinuesWithEachRetryBehindASeparator) {
  SetTask(TaskState::kRunning, 1);
  WriteLog(1, "one");
  auto f = Follow();
  EXPECT_THAT(f->Next(), IsData("one"));
  SetTask(TaskState::kRetrying, 1);
  EXPECT_THAT(f->Next(), IsWait());  // no attempt 2 yet
  SetTask(TaskState::kAssigned, 2);  // assigned: its file may not exist yet
  EXPECT_THAT(f->Next(), IsData("\n--- attempt 2 ---\n"));
  EXPECT_THAT(f->Next(), IsWait());
  WriteLog(2, "two\n");
  SetTask(TaskState::kRunning, 2);
  EXPECT_THAT(f->Next(), IsData("two\n"));
  SetTask(TaskState::kSucceeded, 2);
  EXPECT_THAT(f->Next(), IsEnd(""));
}

TEST_F(LogFollowerTest, StartsAtTheLatestAttemptUnlessAskedForAnother) {
  WriteLog(1, "first\n");
  WriteLog(2, "second\n");
  SetTask(TaskState::kSucceeded, 2);
  auto latest = Follow();
  EXPECT_THAT(latest->Next(), IsData("second\n"));
  EXPECT_THAT(latest->Next(), IsEnd(""));

  auto from_first = Follow({.attempt = 1});
  EXPECT_THAT(from_first->Next(), IsData("first\n"));
  EXPECT_THAT(from_first->Next(), IsData("--- attempt 2 ---\n"));
  EXPECT_THAT(from_first->Next(), IsData("second\n"));
  EXPECT_THAT(from_first->Next(), IsEnd(""));
}

TEST_F(LogFollowerTest, WaitsForTheFirstAttemptAndEndsIfNoneComes) {
  auto f = Follow();
  EXPECT_THAT(f->Next(), IsWait());
  SetTask(TaskState::kSkipped, 0);
  EXPECT_THAT(f->Next(), IsEnd(""));
}

TEST_F(LogFollowerTest, SseEventsWithResumableIds) {
  SetTask(TaskState::kRunning, 1);
  WriteLog(1, "hi\n");
  auto f = FollowSse();
  EXPECT_THAT(f->Next(), IsData("id: 1:0\nevent: attempt\ndata: {\"number\":1}\n\n"));
  EXPECT_THAT(f->Next(), IsData("id: 1:3\nevent: log\ndata: hi\ndata: \n\n"));
  EXPECT_THAT(f->Next(), IsWait());
  SetTask(TaskState::kCancelled, 1);
  EXPECT_THAT(f->Next(), IsEnd("event: end\ndata: {\"state\":\"CANCELLED\"}\n\n"));
}

TEST_F(LogFollowerTest, SseResumesAfterTheLastEventIdItSent) {
  SetTask(TaskState::kRunning, 1);
  WriteLog(1, "hello\n");
  auto f = FollowSse({.attempt = 1, .offset = 3, .resumed = true});
  EXPECT_THAT(f->Next(), IsData("id: 1:6\nevent: log\ndata: lo\ndata: \n\n"));
}

TEST_F(LogFollowerTest, AnIncompleteUtf8SequenceWaitsForItsLastBytes) {
  SetTask(TaskState::kRunning, 1);
  WriteLog(1, "a\xC3");
  auto f = Follow();
  EXPECT_THAT(f->Next(), IsData("a"));
  EXPECT_THAT(f->Next(), IsWait());
  WriteLog(1, "\xA9!\xE2\x82");
  EXPECT_THAT(f->Next(), IsData("\xC3\xA9!"));
  // Once the attempt is over nothing more can complete it: sent as it is.
  SetTask(TaskState::kSucceeded, 1);
  EXPECT_THAT(f->Next(), IsData("\xE2\x82"));
  EXPECT_THAT(f->Next(), IsEnd(""));
}

TEST_F(LogFollowerTest, ADeletedJobEndsTheStream) {
  SetTask(TaskState::kRunning, 1);
  auto f = FollowSse();
  EXPECT_THAT(f->Next(), IsData("id: 1:0\nevent: attempt\ndata: {\"number\":1}\n\n"));
  store::Batch del;
  del.delete_jobs = {"j1"};
  Commit(std::move(del));
  EXPECT_THAT(f->Next(), IsEnd("event: end\ndata: {\"state\":\"RUNNING\"}\n\n"));
}

TEST_F(LogFollowerTest, WokenByCommitsToItsJobOnly) {
  auto f = Follow();
  EXPECT_EQ(wakes_, 0);
  SetTask(TaskState::kRunning, 1);
  EXPECT_EQ(wakes_, 1);
  store::Batch other;
  other.events = {Event("job", "RUNNING", "j2")};
  Commit(std::move(other));
  EXPECT_EQ(wakes_, 1);
  f.reset();  // unsubscribes
  SetTask(TaskState::kSucceeded, 1);
  EXPECT_EQ(wakes_, 1);
}

// Workers create a log only when output comes: a follower that found none
// is woken by its creation (inotify on the directories), not by a commit.
TEST_F(LogFollowerTest, ALogCreatedAfterTheFollowStartedWakesIt) {
  auto watcher = LogWatcher::Start();
  ASSERT_TRUE(watcher.ok()) << watcher.status().ToString();
  std::filesystem::create_directories(LogDir());  // no job directory yet
  SetTask(TaskState::kRunning, 1);
  std::mutex mu;
  std::condition_variable cv;
  int wakes = 0;
  LogFollowOptions o;
  o.job_id = "j1";
  o.task = "main";
  LogFollower f(*store_, feed_, watcher->get(), LogDir(), o);
  f.Start([&] {
    std::lock_guard lock(mu);
    ++wakes;
    cv.notify_all();
  });
  EXPECT_THAT(f.Next(), IsWait());
  auto woken_beyond = [&](int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return wakes > n; });
  };
  int before;
  {
    std::lock_guard lock(mu);
    before = wakes;
  }
  std::filesystem::create_directories(LogDir() + "/j1");  // the job's first log
  ASSERT_TRUE(woken_beyond(before));
  EXPECT_THAT(f.Next(), IsWait());  // now watching the job's directory
  {
    std::lock_guard lock(mu);
    before = wakes;
  }
  WriteLog(1, "late output\n");
  ASSERT_TRUE(woken_beyond(before));
  EXPECT_THAT(f.Next(), IsData("late output\n"));
}

TEST(LogEventIdTest, RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(LogEventId(3, 1024), "3:1024");
  auto id = ParseLogEventId("3:1024");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->first, 3);
  EXPECT_EQ(id->second, 1024);
  for (const char* bad : {"", "3", "3:", ":5", "0:1", "a:1", "1:-2", "1:2x", "1:2:3"}) {
    EXPECT_FALSE(ParseLogEventId(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace pipegrid::logs
