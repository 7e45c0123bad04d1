// A SQLite store in a temp dir holding one job "j1" with one task "main", a
// ChangeFeed the test publishes to by hand, and helpers to change the task
// and write its log files. The followers are driven by calling Next()
// directly: no threads, no waiting.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "logs/change_feed.h"
#include "store/sqlite/sqlite_store.h"
#include "support/test_util.h"
#include "worker/agent.h"

namespace pipegrid::logs::testing {

class FollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqliteStore(dir_.Sub("pipegrid.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    job_.id = "j1";
    job_.name = "one";
    job_.namespace_ = "default";
    job_.state = JobState::kRunning;
    task_.id = "t1";
    task_.job_id = "j1";
    task_.name = "main";
    task_.state = TaskState::kQueued;
    store::Batch b;
    b.put_jobs = {job_};
    b.put_tasks = {task_};
    Commit(std::move(b));
  }

  // Applies the batch and publishes it, as the GroupCommitter's observer does.
  void Commit(store::Batch b) {
    ASSERT_TRUE(store_->Apply(b).ok());
    feed_.Publish(b);
  }
  void SetTask(TaskState state, int attempts) {
    task_.state = state;
    task_.attempts_started = attempts;
    store::Batch b;
    b.put_tasks = {task_};
    Commit(std::move(b));
  }
  void SetJob(JobState state) {
    job_.state = state;
    store::Batch b;
    b.put_jobs = {job_};
    b.events = {Event("job", std::string(Name(state)))};
    Commit(std::move(b));
  }
  void AddEvent(const std::string& type, const std::string& to, const std::string& job = "j1") {
    store::Batch b;
    b.events = {Event(type, to, job)};
    Commit(std::move(b));
  }
  store::EventRecord Event(const std::string& type, const std::string& to,
                           const std::string& job = "j1") {
    store::EventRecord e;
    e.job_id = job;
    e.type = type;
    e.to = to;
    return e;
  }

  std::string LogDir() const { return dir_.Sub("logs"); }
  void WriteLog(int attempt, const std::string& text) {
    std::string path = worker::LogPath(LogDir(), "j1", "main", attempt);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::app | std::ios::binary) << text;
  }

  pipegrid::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  ChangeFeed feed_;
  store::JobRecord job_;
  store::TaskRecord task_;
  int wakes_ = 0;
};

}  // namespace pipegrid::logs::testing
