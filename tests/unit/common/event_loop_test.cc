#include "common/event_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace pipegrid {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(EventLoopTest, PostedTasksRunInOrder) {
  FakeClock clock;
  EventLoop loop(clock);
  std::vector<int> ran;
  for (int i = 0; i < 5; ++i) loop.Post([&ran, i] { ran.push_back(i); });
  EXPECT_THAT(ran, IsEmpty());
  EXPECT_EQ(loop.RunPending(), 5u);
  EXPECT_THAT(ran, ElementsAre(0, 1, 2, 3, 4));
  EXPECT_EQ(loop.RunPending(), 0u);
}

TEST(EventLoopTest, TasksPostedByTasksRunInTheSameRunPending) {
  FakeClock clock;
  EventLoop loop(clock);
  std::vector<std::string> ran;
  loop.Post([&] {
    ran.push_back("outer");
    loop.Post([&] { ran.push_back("inner"); });
  });
  EXPECT_EQ(loop.RunPending(), 2u);
  EXPECT_THAT(ran, ElementsAre("outer", "inner"));
}

TEST(EventLoopTest, TimersFireOnlyWhenTheFakeClockReachesThem) {
  FakeClock clock;
  EventLoop loop(clock);
  std::vector<std::string> ran;
  loop.RunAfter(Millis(200), [&] { ran.push_back("200ms"); });
  loop.RunAfter(Millis(100), [&] { ran.push_back("100ms"); });
  loop.RunPending();
  EXPECT_THAT(ran, IsEmpty());

  clock.Advance(Millis(99));
  loop.RunPending();
  EXPECT_THAT(ran, IsEmpty());

  clock.Advance(Millis(1));
  loop.RunPending();
  EXPECT_THAT(ran, ElementsAre("100ms"));

  clock.Advance(Millis(500));
  loop.RunPending();
  EXPECT_THAT(ran, ElementsAre("100ms", "200ms"));
}

TEST(EventLoopTest, TimersDueAtTheSameTimeRunInTheOrderAdded) {
  FakeClock clock;
  EventLoop loop(clock);
  std::vector<int> ran;
  MonoTime when = clock.Monotonic() + Millis(10);
  for (int i = 0; i < 4; ++i) loop.RunAt(when, [&ran, i] { ran.push_back(i); });
  clock.Advance(Millis(10));
  EXPECT_EQ(loop.RunPending(), 4u);
  EXPECT_THAT(ran, ElementsAre(0, 1, 2, 3));
}

TEST(EventLoopTest, CancelledTimerNeverRuns) {
  FakeClock clock;
  EventLoop loop(clock);
  bool cancelled_ran = false;
  bool kept_ran = false;
  EventLoop::TimerId cancelled = loop.RunAfter(Millis(5), [&] { cancelled_ran = true; });
  loop.RunAfter(Millis(5), [&] { kept_ran = true; });
  loop.CancelTimer(cancelled);
  loop.CancelTimer(cancelled);  // twice is harmless
  clock.Advance(Millis(5));
  loop.RunPending();
  EXPECT_FALSE(cancelled_ran);
  EXPECT_TRUE(kept_ran);
}

TEST(EventLoopTest, TimerCanCancelAnotherDueAtTheSameTime) {
  FakeClock clock;
  EventLoop loop(clock);
  bool second_ran = false;
  EventLoop::TimerId second = 0;
  loop.RunAfter(Millis(1), [&] { loop.CancelTimer(second); });
  second = loop.RunAfter(Millis(2), [&] { second_ran = true; });
  clock.Advance(Millis(1));
  loop.RunPending();
  clock.Advance(Millis(1));
  loop.RunPending();
  EXPECT_FALSE(second_ran);
}

TEST(EventLoopTest, ThreadRunsPostsOnTheLoopThread) {
  FakeClock clock;
  EventLoop loop(clock);
  loop.Start();
  std::promise<std::pair<bool, std::thread::id>> seen;
  loop.Post([&] { seen.set_value({loop.InLoopThread(), std::this_thread::get_id()}); });
  auto [in_loop, thread_id] = seen.get_future().get();
  EXPECT_TRUE(in_loop);
  EXPECT_NE(thread_id, std::this_thread::get_id());
  EXPECT_FALSE(loop.InLoopThread());
  loop.Stop();
}

TEST(EventLoopTest, ThreadRunsTimersAddedOnTheLoop) {
  FakeClock clock;
  EventLoop loop(clock);
  loop.Start();
  std::promise<void> fired;
  // Due at once: the thread waits on the real time until the deadline, and a
  // fake clock never moves, so a later deadline would never come.
  loop.Post([&] { loop.RunAfter(Millis(0), [&] { fired.set_value(); }); });
  std::future<void> f = fired.get_future();
  f.get();
  loop.Stop();
}

TEST(EventLoopTest, StopRunsWhatWasPostedBefore) {
  FakeClock clock;
  EventLoop loop(clock);
  loop.Start();
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::vector<int> ran;  // touched only on the loop thread until Stop() joins it
  // The first task stops the loop, from the loop, once the others are surely
  // queued behind it: they must still run.
  loop.Post([&loop, open] {
    open.wait();
    loop.Stop();
  });
  for (int i = 0; i < 3; ++i) loop.Post([&ran, i] { ran.push_back(i); });
  gate.set_value();
  loop.Stop();  // joins
  EXPECT_THAT(ran, ElementsAre(0, 1, 2));
  loop.Stop();  // idempotent
}

}  // namespace
}  // namespace pipegrid
