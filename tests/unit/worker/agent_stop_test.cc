// Agent: ending attempts early - timeouts, stops, shutdown - and making sure
// no process of an attempt outlives it; workspace release.
#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "agent_fixture.h"

namespace pipegrid::worker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

pid_t ReadPid(const std::string& path) { return static_cast<pid_t>(std::stol(ReadFile(path))); }

// A command that reports "ready" on $FIFO once its TERM handling is set up.
protocol::Assignment WithFifo(protocol::Assignment a, const Fifo& fifo) {
  a.env["FIFO"] = fifo.path();
  return a;
}

TEST_F(AgentTest, TimeoutKillsTheGroupIncludingGrandchildren) {
  options_.kill_grace = Millis(100);
  StartAgent();
  protocol::Assignment a = MakeAssignment("a1", {{"sleep 600 & echo $! > gc.pid; wait"}});
  a.timeout = Millis(200);
  protocol::AttemptFinished f = Run(a);

  EXPECT_EQ(f.outcome, Outcome::kTimeout);
  EXPECT_EQ(f.reason, "timed out after 200ms");
  EXPECT_TRUE(ProcessExits(ReadPid(Workspace() + "/gc.pid")));
}

TEST_F(AgentTest, TimeoutEscalatesToKillWhenTermIsIgnored) {
  options_.kill_grace = Millis(100);
  StartAgent();
  Fifo fifo(dir_.Sub("fifo"));
  protocol::Assignment a =
      WithFifo(MakeAssignment("a1", {{"trap '' TERM; echo ready > \"$FIFO\"; sleep 600"}}), fifo);
  a.timeout = Millis(300);
  agent_->Assign(a);
  ASSERT_EQ(fifo.ReadLine(), "ready");

  std::optional<protocol::AttemptFinished> f = master_.WaitFinished("a1");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->outcome, Outcome::kTimeout);
}

TEST_F(AgentTest, StopWithGraceLetsATrappingProcessExitCleanly) {
  StartAgent();
  Fifo fifo(dir_.Sub("fifo"));
  agent_->Assign(
      WithFifo(MakeAssignment("a1", {{"trap 'echo trapped; exit 0' TERM; echo ready > \"$FIFO\"; "
                                      "sleep 600 & wait"},
                                     {"touch never-run"}}),
               fifo));
  ASSERT_EQ(fifo.ReadLine(), "ready");

  agent_->Stop(protocol::StopRequest{"a1", Outcome::kCancelled, Millis(20'000)});
  std::optional<protocol::AttemptFinished> f = master_.WaitFinished("a1");

  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->outcome, Outcome::kCancelled);
  EXPECT_FALSE(f->exit_code.has_value());
  EXPECT_EQ(Log(), "trapped\n");
  EXPECT_FALSE(fs::exists(Workspace() + "/never-run"));  // no further command starts
}

TEST_F(AgentTest, StopEscalatesToKillAfterGraceWhenTermIsIgnored) {
  StartAgent();
  Fifo fifo(dir_.Sub("fifo"));
  agent_->Assign(
      WithFifo(MakeAssignment("a1", {{"trap '' TERM; echo $$ > leader.pid; echo ready > \"$FIFO\"; "
                                      "sleep 600"}}),
               fifo));
  ASSERT_EQ(fifo.ReadLine(), "ready");

  const auto stop_at = std::chrono::steady_clock::now();
  agent_->Stop(protocol::StopRequest{"a1", Outcome::kCancelled, Millis(200)});
  std::optional<protocol::AttemptFinished> f = master_.WaitFinished("a1");

  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->outcome, Outcome::kCancelled);
  // TERM was ignored, so only the SIGKILL after the grace could end it.
  EXPECT_GE(std::chrono::steady_clock::now() - stop_at, Millis(200));
  EXPECT_TRUE(ProcessExits(ReadPid(Workspace() + "/leader.pid")));
}

TEST_F(AgentTest, KillWithZeroGraceSendsNoTerm) {
  StartAgent();
  Fifo fifo(dir_.Sub("fifo"));
  agent_->Assign(
      WithFifo(MakeAssignment("a1", {{"trap 'echo trapped' TERM; echo ready > \"$FIFO\"; "
                                      "sleep 600 & wait"}}),
               fifo));
  ASSERT_EQ(fifo.ReadLine(), "ready");

  agent_->Stop(protocol::StopRequest{"a1", Outcome::kKilled, Millis(0)});
  std::optional<protocol::AttemptFinished> f = master_.WaitFinished("a1");

  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->outcome, Outcome::kKilled);
  EXPECT_THAT(Log(), Not(HasSubstr("trapped")));
}

TEST_F(AgentTest, KillAfterCancelBringsTheKillForward) {
  StartAgent();
  Fifo fifo(dir_.Sub("fifo"));
  agent_->Assign(
      WithFifo(MakeAssignment("a1", {{"trap '' TERM; echo ready > \"$FIFO\"; sleep 600"}}), fifo));
  ASSERT_EQ(fifo.ReadLine(), "ready");

  // With only the first stop this would take the whole (huge) grace.
  agent_->Stop(protocol::StopRequest{"a1", Outcome::kCancelled, Millis(3'600'000)});
  agent_->Stop(protocol::StopRequest{"a1", Outcome::kKilled, Millis(0)});
  std::optional<protocol::AttemptFinished> f = master_.WaitFinished("a1");

  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->outcome, Outcome::kCancelled);  // the first decision stands
  EXPECT_EQ(master_.FinishedCount("a1"), 1u);
}

TEST_F(AgentTest, BackgroundChildOfASuccessfulStepIsKilled) {
  StartAgent();
  // The child does not even hold the output pipe; only the group kill ends it.
  protocol::AttemptFinished f =
      Run(MakeAssignment("a1", {{"sleep 600 >/dev/null 2>&1 & echo $! > bg.pid"}, {"echo next"}}));

  EXPECT_EQ(f.outcome, Outcome::kSucceeded);
  EXPECT_TRUE(ProcessExits(ReadPid(Workspace() + "/bg.pid")));
}

TEST_F(AgentTest, BackgroundChildHoldingTheOutputPipeDoesNotDelayTheStep) {
  options_.output_drain_timeout = Millis(3'600'000);  // only EOF can end the wait
  StartAgent();
  protocol::AttemptFinished f =
      Run(MakeAssignment("a1", {{"sleep 600 & echo $! > bg.pid; echo done"}}));

  EXPECT_EQ(f.outcome, Outcome::kSucceeded);
  EXPECT_EQ(Log(), "done\n");
  EXPECT_TRUE(ProcessExits(ReadPid(Workspace() + "/bg.pid")));
}

TEST_F(AgentTest, ProcessEscapingTheGroupCannotHoldTheAttemptOpen) {
  options_.output_drain_timeout = Millis(100);
  StartAgent();
  // setsid leaves the group (so the kill misses it) but keeps the pipe open.
  protocol::AttemptFinished f =
      Run(MakeAssignment("a1", {{"setsid sh -c 'echo $$ > escaped.pid; exec sleep 600' & "
                                 "while [ ! -s escaped.pid ]; do :; done; echo done"}}));

  EXPECT_EQ(f.outcome, Outcome::kSucceeded);
  EXPECT_THAT(Log(), HasSubstr("done\n"));
  pid_t escaped = ReadPid(Workspace() + "/escaped.pid");
  ::kill(escaped, SIGKILL);  // ours to clean up: the agent could not
}

TEST_F(AgentTest, ShutdownInterruptsRunningAttemptsAndReportsThemFirst) {
  StartAgent();
  Fifo fifo(dir_.Sub("fifo"));
  agent_->Assign(WithFifo(
      MakeAssignment("a1", {{"echo $$ > leader.pid; echo ready > \"$FIFO\"; sleep 600"}}), fifo));
  ASSERT_EQ(fifo.ReadLine(), "ready");

  agent_->Shutdown(Millis(100));

  // Reported before Shutdown returned, without waiting.
  std::vector<protocol::AttemptFinished> f = master_.finished();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].outcome, Outcome::kInterrupted);
  EXPECT_TRUE(ProcessExits(ReadPid(Workspace() + "/leader.pid")));
  EXPECT_TRUE(RecordsIn(options_.state_dir).empty());

  // Afterwards an assignment is answered at once and nothing runs.
  agent_->Assign(MakeAssignment("a2", {{"touch ran"}}, "job2"));
  ASSERT_EQ(master_.FinishedCount("a2"), 1u);
  EXPECT_EQ(master_.finished()[1].outcome, Outcome::kInterrupted);
  EXPECT_FALSE(fs::exists(Workspace("job2") + "/ran"));
  agent_->Shutdown(Millis(0));  // idempotent
}

TEST_F(AgentTest, DestroyingTheAgentKillsWhatRuns) {
  StartAgent();
  Fifo fifo(dir_.Sub("fifo"));
  agent_->Assign(WithFifo(
      MakeAssignment("a1", {{"echo $$ > leader.pid; echo ready > \"$FIFO\"; sleep 600"}}), fifo));
  ASSERT_EQ(fifo.ReadLine(), "ready");

  agent_.reset();

  ASSERT_EQ(master_.FinishedCount("a1"), 1u);
  EXPECT_EQ(master_.finished()[0].outcome, Outcome::kInterrupted);
  EXPECT_TRUE(ProcessExits(ReadPid(Workspace() + "/leader.pid")));
}

TEST_F(AgentTest, StopForAnUnknownAttemptIsReportedOnce) {
  StartAgent();
  agent_->Stop(protocol::StopRequest{"ghost", Outcome::kCancelled, Millis(10)});
  agent_->Stop(protocol::StopRequest{"ghost", Outcome::kCancelled, Millis(10)});
  Barrier();

  ASSERT_EQ(master_.FinishedCount("ghost"), 1u);
  EXPECT_EQ(master_.finished()[0].outcome, Outcome::kCancelled);

  // A late assignment of the stopped attempt does not run it after all.
  agent_->Assign(MakeAssignment("ghost", {{"touch ran"}}));
  Barrier();
  EXPECT_EQ(master_.FinishedCount("ghost"), 1u);
  EXPECT_FALSE(fs::exists(Workspace() + "/ran"));
}

TEST_F(AgentTest, StopAfterFinishIsIgnored) {
  StartAgent();
  ASSERT_EQ(Run(MakeAssignment("a1", {{"true"}})).outcome, Outcome::kSucceeded);
  agent_->Stop(protocol::StopRequest{"a1", Outcome::kCancelled, Millis(0)});
  Barrier();
  EXPECT_EQ(master_.FinishedCount("a1"), 1u);
}

TEST_F(AgentTest, ReleaseJobRemovesItsWorkspaces) {
  StartAgent();
  ASSERT_EQ(Run(MakeAssignment("a1", {{"echo logged; touch f"}}, "job1", "t1")).outcome,
            Outcome::kSucceeded);
  ASSERT_EQ(Run(MakeAssignment("a2", {{"touch f"}}, "job2", "t1")).outcome, Outcome::kSucceeded);
  agent_->ReleaseJob("job1");
  Barrier();

  EXPECT_FALSE(fs::exists(options_.work_dir + "/job1"));
  EXPECT_TRUE(fs::exists(Workspace("job2", "t1") + "/f"));
  // Logs outlive workspaces: the master serves them after the job.
  EXPECT_TRUE(fs::exists(LogPath(options_.log_dir, "job1", "t1", 1)));
}

TEST_F(AgentTest, ReleaseJobKeepsWorkspacesWhenAskedTo) {
  options_.keep_workspaces = true;
  StartAgent();
  ASSERT_EQ(Run(MakeAssignment("a1", {{"touch f"}})).outcome, Outcome::kSucceeded);
  agent_->ReleaseJob("job1");
  Barrier();
  EXPECT_TRUE(fs::exists(Workspace() + "/f"));
}

TEST_F(AgentTest, ReleaseJobWaitsForAttemptsStillRunning) {
  StartAgent();
  Fifo fifo(dir_.Sub("fifo"));
  agent_->Assign(WithFifo(MakeAssignment("a1", {{"echo ready > \"$FIFO\"; sleep 600"}}), fifo));
  ASSERT_EQ(fifo.ReadLine(), "ready");
  agent_->ReleaseJob("job1");
  Barrier();
  EXPECT_TRUE(fs::exists(Workspace()));  // not pulled from under a running command

  agent_->Stop(protocol::StopRequest{"a1", Outcome::kCancelled, Millis(0)});
  ASSERT_TRUE(master_.WaitFinished("a1").has_value());
  Barrier();
  EXPECT_FALSE(fs::exists(options_.work_dir + "/job1"));
}

}  // namespace
}  // namespace pipegrid::worker::testing
