// Real inotify on a temp directory: waits are on a condition variable, with a
// generous limit only as a safety net.
#include "logs/log_watcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>

#include "support/test_util.h"

namespace pipegrid::logs {
namespace {

using ::pipegrid::testing::StatusIs;

class Counter {
 public:
  LogWatcher::Callback Callback() {
    return [this] {
      {
        std::lock_guard lock(mu_);
        ++n_;
      }
      cv_.notify_all();
    };
  }
  // Waits until the count reaches `n`.
  bool WaitFor(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return n_ >= n; });
  }
  int count() {
    std::lock_guard lock(mu_);
    return n_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_ = 0;
};

class LogWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto watcher = LogWatcher::Start();
    ASSERT_TRUE(watcher.ok()) << watcher.status().ToString();
    watcher_ = std::move(watcher).value();
    std::ofstream(path_) << "";
  }
  void Append(const std::string& text) { std::ofstream(path_, std::ios::app) << text; }

  pipegrid::testing::TempDir dir_;
  std::string path_ = dir_.Sub("1.log");
  std::unique_ptr<LogWatcher> watcher_;
};

TEST_F(LogWatcherTest, MissingFileIsNotFound) {
  Counter c;
  EXPECT_THAT(watcher_->Add(dir_.Sub("nope.log"), c.Callback()), StatusIs(StatusCode::kNotFound));
}

TEST_F(LogWatcherTest, EveryFollowerOfAFileWakesOnWrites) {
  Counter a, b;
  auto wa = watcher_->Add(path_, a.Callback());
  auto wb = watcher_->Add(path_, b.Callback());
  ASSERT_TRUE(wa.ok());
  ASSERT_TRUE(wb.ok());
  Append("hello\n");
  EXPECT_TRUE(a.WaitFor(1));
  EXPECT_TRUE(b.WaitFor(1));
}

TEST_F(LogWatcherTest, AResetWatchNoLongerWakesButTheOthersDo) {
  Counter gone, kept;
  auto wg = watcher_->Add(path_, gone.Callback());
  auto wk = watcher_->Add(path_, kept.Callback());
  ASSERT_TRUE(wg.ok());
  ASSERT_TRUE(wk.ok());
  wg->Reset();
  Append("x");
  // Both share one kernel watch: the event that wakes `kept` would have
  // reached `gone` in the same dispatch.
  ASSERT_TRUE(kept.WaitFor(1));
  EXPECT_EQ(gone.count(), 0);
  // The last follower leaving removes the kernel watch; a new one works.
  wk->Reset();
  Counter again;
  auto wa = watcher_->Add(path_, again.Callback());
  ASSERT_TRUE(wa.ok());
  Append("y");
  EXPECT_TRUE(again.WaitFor(1));
}

TEST_F(LogWatcherTest, ADirectoryWatchWakesWhenAFileAppearsInIt) {
  Counter c;
  auto w = watcher_->Add(dir_.path().string(), c.Callback());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::ofstream(dir_.Sub("2.log")) << "new";
  EXPECT_TRUE(c.WaitFor(1));
}

TEST_F(LogWatcherTest, DeletingTheFileWakesItsFollowers) {
  Counter c;
  auto w = watcher_->Add(path_, c.Callback());
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(std::remove(path_.c_str()), 0);
  EXPECT_TRUE(c.WaitFor(1));
}

TEST_F(LogWatcherTest, AddAfterStopIsUnavailable) {
  watcher_->Stop();
  Counter c;
  EXPECT_THAT(watcher_->Add(path_, c.Callback()), StatusIs(StatusCode::kUnavailable));
}

}  // namespace
}  // namespace pipegrid::logs
