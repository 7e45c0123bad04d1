// A fixture for Agent tests: temp directories, a FakeMaster and helpers to
// find an attempt's workspace and log. Real processes, SystemClock.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "worker/agent.h"
#include "worker_test_util.h"

namespace pipegrid::worker::testing {

class AgentTest : public ::testing::Test {
 protected:
  AgentTest() {
    options_.work_dir = dir_.Sub("work");
    options_.log_dir = dir_.Sub("logs");
    options_.state_dir = dir_.Sub("state");
  }

  // Creates the agent with options_ as they are now.
  Agent& StartAgent() {
    Result<std::unique_ptr<Agent>> agent =
        Agent::Create(options_, SystemClock::Instance(), master_);
    EXPECT_TRUE(agent.ok()) << agent.status().ToString();
    if (!agent.ok()) std::abort();
    agent_ = std::move(agent).value();
    return *agent_;
  }

  // Runs `a` and waits for its report.
  protocol::AttemptFinished Run(protocol::Assignment a) {
    std::string id = a.attempt_id;
    agent_->Assign(std::move(a));
    std::optional<protocol::AttemptFinished> f = master_.WaitFinished(id);
    EXPECT_TRUE(f.has_value()) << "no Finished for " << id;
    return f.value_or(protocol::AttemptFinished{});
  }

  // Every message posted before this one has been handled when it returns:
  // the agent handles messages in order and answers a Stop for an attempt it
  // never saw at once.
  void Barrier() {
    static int n = 0;
    std::string id = "barrier-" + std::to_string(++n);
    agent_->Stop(protocol::StopRequest{id, Outcome::kCancelled, Millis(0)});
    ASSERT_TRUE(master_.WaitFinished(id).has_value());
  }

  std::string Workspace(const std::string& job = "job1", const std::string& task = "task") {
    return options_.work_dir + "/" + job + "/" + task;
  }
  std::string Log(const std::string& job = "job1", const std::string& task = "task",
                  int attempt = 1) {
    return ReadFile(LogPath(options_.log_dir, job, task, attempt));
  }

  pipegrid::testing::TempDir dir_;
  AgentOptions options_;
  FakeMaster master_;
  std::unique_ptr<Agent> agent_;  // destroyed before master_
};

}  // namespace pipegrid::worker::testing
