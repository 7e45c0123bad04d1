// The fixture of the live-follow and metrics tests: everything `pipegrid up`
// wires, in process, with real processes - a SQLite store with group commit
// publishing to a ChangeFeed, the scheduler on its loop thread, a real worker
// Agent (worker "w1", 2 slots) and the ApiServer. SystemClock, since real
// processes run; tests wait on what they read from sockets, never on time.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>
#include <string>

#include <gtest/gtest.h>

#include "api/api_server.h"
#include "common/event_loop.h"
#include "common/ids.h"
#include "logs/change_feed.h"
#include "store/committer.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fifo_gate.h"
#include "support/test_util.h"
#include "unit/api/stream_client.h"
#include "unit/api/test_client.h"
#include "worker/agent.h"

namespace pipegrid::api::testing {

class LiveApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqliteStore(dir_.Sub("pipegrid.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    committer_ = std::make_unique<store::GroupCommitter>(*store_, clock());
    committer_->SetObserver([this](const store::Batch& b) { changes_.Publish(b); });
    loop_ = std::make_unique<EventLoop>(clock());
    master::SchedulerOptions options;
    options.rng_seed = 7;
    scheduler_ = std::make_unique<master::Scheduler>(*loop_, *store_, *committer_, ids_, options);
    ASSERT_TRUE(scheduler_->Recover().ok());

    worker::AgentOptions agent;
    agent.work_dir = dir_.Sub("work");
    agent.log_dir = LogDir();
    agent.state_dir = dir_.Sub("state");
    auto created = worker::Agent::Create(agent, clock(), *scheduler_);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    agent_ = std::move(created).value();
    loop_->Start();

    master::WorkerRegistration reg;
    reg.name = "w1";
    reg.slots = 2;
    reg.version = "test";
    auto registered = std::make_shared<std::promise<Status>>();
    scheduler_->RegisterWorker(reg, agent_.get(),
                               [registered](Status s) { registered->set_value(s); });
    auto f = registered->get_future();
    ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    ASSERT_TRUE(f.get().ok());

    auto api = StartApi(Options());
    ASSERT_TRUE(api.ok()) << api.status().ToString();
    api_ = std::move(api).value();
  }

  void TearDown() override {
    // As `pipegrid up` stops: HTTP first, then the worker (its attempts end
    // interrupted, reported to the still running loop), the loop, the store.
    if (api_) api_->Stop();
    if (agent_) agent_->Shutdown(Millis(0));
    if (loop_) loop_->Stop();
    if (committer_) committer_->Stop();
    api_.reset();
    agent_.reset();
    scheduler_.reset();
    loop_.reset();
    committer_.reset();
  }

  static const Clock& clock() { return SystemClock::Instance(); }

  ApiOptions Options() const {
    ApiOptions o;
    o.listen = "127.0.0.1:0";
    o.log_dir = LogDir();
    o.sse_heartbeat = Millis(200);
    return o;
  }
  Result<std::unique_ptr<ApiServer>> StartApi(ApiOptions options) {
    return ApiServer::Start(
        std::move(options), *scheduler_, *store_, clock(), [] { return true; },
        ApiFeeds{&changes_, committer_.get()});
  }

  std::string LogDir() const { return dir_.Sub("logs"); }
  uint16_t port() const { return api_->port(); }

  // A one-task job; `command` may use $GATE (see MakeGate).
  std::string Submit(const std::string& command, const std::string& task_extra = "") {
    std::string yaml =
        "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: live}\nspec:\n"
        "  tasks:\n    - name: main\n" +
        task_extra + "      steps: [{commands: ['" + command + "']}]\n";
    ClientResponse res =
        TestConnection(port()).Call(http::verb::post, "/api/v1/jobs", yaml, "application/yaml");
    EXPECT_EQ(res.result(), http::status::created) << res.body();
    return Json(res).value("id", "");
  }

  using Gate = pipegrid::testing::FifoGate;

  std::string JobStateOf(const std::string& id) {
    return Json(testing::Get(port(), "/api/v1/jobs/" + id)).value("state", "");
  }
  std::string TaskStateOf(const std::string& id) {
    nlohmann::json job = Json(testing::Get(port(), "/api/v1/jobs/" + id));
    return job["tasks"][0].value("state", "");
  }
  // Blocks until the job is finished: its event stream ends then.
  void WaitFinished(const std::string& id) {
    StreamClient events(port(), "/api/v1/jobs/" + id + "/events?follow=true");
    EXPECT_TRUE(events.ReadToEnd()) << events.error().message();
  }

  pipegrid::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  logs::ChangeFeed changes_;  // before the committer that publishes to it
  std::unique_ptr<store::GroupCommitter> committer_;
  std::unique_ptr<EventLoop> loop_;
  IdGenerator ids_{clock()};
  std::unique_ptr<master::Scheduler> scheduler_;
  std::unique_ptr<worker::Agent> agent_;
  std::unique_ptr<ApiServer> api_;
};

}  // namespace pipegrid::api::testing
