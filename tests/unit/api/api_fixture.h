// The fixture of the API tests below the binary: a real Scheduler on its own
// loop thread, a SQLite store in a temp dir with group commit, and a fake
// worker the test drives. HTTP calls block until the scheduler has committed
// and answered; waits for the worker side block on a condition variable.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>

#include "api/api_server.h"
#include "common/event_loop.h"
#include "common/ids.h"
#include "store/committer.h"
#include "store/sqlite/sqlite_store.h"
#include "support/test_util.h"
#include "unit/api/test_client.h"

namespace pipegrid::api::testing {

inline constexpr std::chrono::seconds kWaitLimit{10};

// Records what the scheduler tells the worker; called on the loop thread.
class RecordingWorker : public protocol::WorkerChannel {
 public:
  void Assign(protocol::Assignment msg) override {
    Record([&] { assigned_.push_back(msg); });
  }
  void Stop(protocol::StopRequest msg) override {
    Record([&] { stops_.push_back(msg); });
  }
  void ReleaseJob(const std::string& job_id) override {
    Record([&] { released_.push_back(job_id); });
  }

  std::optional<protocol::Assignment> WaitAssignment(const std::string& task) {
    std::optional<protocol::Assignment> found;
    Wait([&] {
      for (const auto& a : assigned_) {
        if (a.task_name == task) found = a;
      }
      return found.has_value();
    });
    return found;
  }
  std::optional<protocol::StopRequest> WaitStop() {
    std::optional<protocol::StopRequest> found;
    Wait([&] {
      if (!stops_.empty()) found = stops_.front();
      return found.has_value();
    });
    return found;
  }
  bool WaitReleased(const std::string& job_id) {
    return Wait(
        [&] { return std::find(released_.begin(), released_.end(), job_id) != released_.end(); });
  }

 private:
  template <typename F>
  void Record(F change) {
    {
      std::lock_guard lock(mu_);
      change();
    }
    cv_.notify_all();
  }
  template <typename Pred>
  bool Wait(Pred pred) {
    std::unique_lock lock(mu_);
    bool ok = cv_.wait_for(lock, kWaitLimit, pred);
    EXPECT_TRUE(ok) << "the scheduler did not tell the worker in time";
    return ok;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<protocol::Assignment> assigned_;  // guarded by mu_
  std::vector<protocol::StopRequest> stops_;    // guarded by mu_
  std::vector<std::string> released_;           // guarded by mu_
};

inline constexpr const char* kOneTask = R"(apiVersion: pipegrid/v1
kind: Job
metadata: {name: one, externalId: order-1, labels: {team: data}}
spec:
  tasks:
    - name: main
      steps: [{commands: ["true"]}]
)";

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqliteStore(dir_.Sub("pipegrid.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    committer_ = std::make_unique<store::GroupCommitter>(*store_, clock_);
    loop_ = std::make_unique<EventLoop>(clock_);
    master::SchedulerOptions options;
    options.rng_seed = 7;
    scheduler_ = std::make_unique<master::Scheduler>(*loop_, *store_, *committer_, ids_, options);
    // Before Start() this thread is the loop's owner, as Recover() requires.
    ASSERT_TRUE(scheduler_->Recover().ok());
    loop_->Start();

    ApiOptions api;
    api.listen = "127.0.0.1:0";
    api.log_dir = LogDir();
    api.outputs_dir = OutputsDir();
    api.max_body_bytes = 64 << 10;
    auto server =
        ApiServer::Start(api, *scheduler_, *store_, clock_, [this] { return ready_.load(); });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    api_ = std::move(server).value();
  }

  void TearDown() override {
    if (api_) api_->Stop();
    if (loop_) loop_->Stop();
    if (committer_) committer_->Stop();
    scheduler_.reset();
    committer_.reset();
    loop_.reset();
    store_.reset();
  }

  std::string LogDir() const { return dir_.Sub("logs"); }
  std::string OutputsDir() const { return dir_.Sub("outputs"); }

  ClientResponse Call(http::verb method, const std::string& target, const std::string& body = "",
                      const std::string& content_type = "") {
    return TestConnection(api_->port()).Call(method, target, body, content_type);
  }
  ClientResponse Get(const std::string& target) { return Call(http::verb::get, target); }
  ClientResponse Post(const std::string& target) { return Call(http::verb::post, target); }
  ClientResponse SubmitYaml(const std::string& yaml) {
    return Call(http::verb::post, "/api/v1/jobs", yaml, "application/yaml");
  }
  std::string SubmitOk(const std::string& yaml) {
    ClientResponse res = SubmitYaml(yaml);
    EXPECT_EQ(res.result(), http::status::created) << res.body();
    return Json(res).value("id", "");
  }

  void AddWorker() {
    master::WorkerRegistration reg;
    reg.name = "w1";
    reg.slots = 2;
    reg.version = "test";
    // Shared: the reply may come after a timed-out wait has returned.
    auto registered = std::make_shared<std::promise<Status>>();
    scheduler_->RegisterWorker(reg, &worker_, [registered](Status s) { registered->set_value(s); });
    auto f = registered->get_future();
    ASSERT_EQ(f.wait_for(kWaitLimit), std::future_status::ready);
    ASSERT_TRUE(f.get().ok());
  }

  pipegrid::testing::TempDir dir_;
  FakeClock clock_;
  IdGenerator ids_{clock_};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::GroupCommitter> committer_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<master::Scheduler> scheduler_;
  RecordingWorker worker_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<ApiServer> api_;
};

}  // namespace pipegrid::api::testing
