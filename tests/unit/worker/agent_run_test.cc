// Agent: running attempts to completion - outcomes, steps, workspace,
// environment and log capture.
#include <signal.h>
#include <stdlib.h>

#include <filesystem>

#include "agent_fixture.h"

namespace pipegrid::worker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST_F(AgentTest, SuccessReportsStartedThenFinished) {
  StartAgent();
  protocol::AttemptFinished f = Run(MakeAssignment("a1", {{"true"}}));

  EXPECT_EQ(f.outcome, Outcome::kSucceeded);
  EXPECT_FALSE(f.exit_code.has_value());
  EXPECT_FALSE(f.signal.has_value());
  ASSERT_EQ(master_.started().size(), 1u);
  EXPECT_EQ(master_.started()[0].attempt_id, "a1");
  EXPECT_GT(master_.started()[0].pgid, 1);
  EXPECT_LT(master_.StartedSeq("a1"), master_.FinishedSeq("a1"));
  EXPECT_GE(f.finished_at, master_.started()[0].started_at);
  // The crash-recovery record lives only while the attempt runs.
  EXPECT_TRUE(RecordsIn(options_.state_dir).empty());
}

TEST_F(AgentTest, NonzeroExitEndsAttemptWithCodeAndReason) {
  StartAgent();
  protocol::AttemptFinished f =
      Run(MakeAssignment("a1", {{"true"}, {"true", "exit 3"}, {"touch never-run"}}));

  EXPECT_EQ(f.outcome, Outcome::kExit);
  EXPECT_EQ(f.exit_code, 3);
  EXPECT_EQ(f.reason, "step 2 command 2 exited with 3");
  EXPECT_FALSE(fs::exists(Workspace() + "/never-run"));  // no later command started
  EXPECT_EQ(master_.FinishedCount("a1"), 1u);
}

TEST_F(AgentTest, SignalNotSentByAgentIsOutcomeSignal) {
  StartAgent();
  protocol::AttemptFinished f = Run(MakeAssignment("a1", {{"kill -USR1 $$"}}));

  EXPECT_EQ(f.outcome, Outcome::kSignal);
  EXPECT_EQ(f.signal, SIGUSR1);
  EXPECT_FALSE(f.exit_code.has_value());
  EXPECT_EQ(f.reason, "step 1 command 1 killed by signal " + std::to_string(SIGUSR1));
}

TEST_F(AgentTest, StepsAndCommandsRunInOrderInOneWorkspace) {
  StartAgent();
  protocol::AttemptFinished f =
      Run(MakeAssignment("a1", {{"echo one", "echo from-step-1 > handoff.txt"},
                                {"echo two", "cat handoff.txt > result.txt", "echo three"}}));

  EXPECT_EQ(f.outcome, Outcome::kSucceeded);
  EXPECT_EQ(ReadFile(Workspace() + "/result.txt"), "from-step-1\n");
  EXPECT_EQ(Log(), "one\ntwo\nthree\n");
}

TEST_F(AgentTest, EnvironmentAndWorkingDirectory) {
  ::setenv("PG_WORKER_TEST_INHERITED", "from-worker", 1);
  ::setenv("PG_WORKER_TEST_OVERRIDDEN", "from-worker", 1);
  StartAgent();  // the agent snapshots its environment here
  ::unsetenv("PG_WORKER_TEST_INHERITED");
  ::unsetenv("PG_WORKER_TEST_OVERRIDDEN");

  protocol::Assignment a = MakeAssignment(
      "att-7",
      {{"printf '%s\\n' \"$PIPEGRID_WORKSPACE\" \"$PIPEGRID_JOB_ID\" \"$PIPEGRID_TASK\" "
        "\"$PIPEGRID_ATTEMPT\" \"$PIPEGRID_ATTEMPT_ID\" \"$PG_WORKER_TEST_INHERITED\" "
        "\"$PG_WORKER_TEST_OVERRIDDEN\" \"$EXTRA\" \"$(pwd -P)\""}},
      "job9", "fetch", 3);
  a.env = {{"EXTRA", "x y"}, {"PG_WORKER_TEST_OVERRIDDEN", "from-assignment"}};
  ASSERT_EQ(Run(a).outcome, Outcome::kSucceeded);

  // The (empty) workspace is recycled once the attempt ends; its path stays.
  std::string ws = fs::canonical(options_.work_dir).string() + "/job9/fetch";
  EXPECT_EQ(Log("job9", "fetch", 3), ws +
                                         "\njob9\nfetch\n3\natt-7\nfrom-worker\n"
                                         "from-assignment\nx y\n" +
                                         ws + "\n");
}

TEST_F(AgentTest, AnEmptyWorkspaceIsRecycledAndOneWithFilesStays) {
  StartAgent();
  ASSERT_EQ(Run(MakeAssignment("a1", {{"true"}}, "job1", "empty")).outcome, Outcome::kSucceeded);
  ASSERT_EQ(Run(MakeAssignment("a2", {{"echo x > kept.txt"}}, "job1", "full")).outcome,
            Outcome::kSucceeded);
  EXPECT_FALSE(fs::exists(Workspace("job1", "empty")));
  EXPECT_EQ(ReadFile(Workspace("job1", "full") + "/kept.txt"), "x\n");
  // The next task gets the recycled directory, empty.
  ASSERT_EQ(Run(MakeAssignment("a3", {{"test -z \"$(ls -A)\""}}, "job2", "next")).outcome,
            Outcome::kSucceeded);
}

TEST_F(AgentTest, KeptWorkspacesAreNeverRecycled) {
  options_.keep_workspaces = true;
  StartAgent();
  ASSERT_EQ(Run(MakeAssignment("a1", {{"true"}}, "job1", "empty")).outcome, Outcome::kSucceeded);
  EXPECT_TRUE(fs::is_directory(Workspace("job1", "empty")));
}

TEST_F(AgentTest, StdoutAndStderrMergedInArrivalOrder) {
  StartAgent();
  ASSERT_EQ(
      Run(MakeAssignment("a1", {{"echo out1; echo err1 >&2; echo out2; echo err2 >&2"}})).outcome,
      Outcome::kSucceeded);
  EXPECT_EQ(Log(), "out1\nerr1\nout2\nerr2\n");
}

TEST_F(AgentTest, StdinIsDevNull) {
  StartAgent();
  // `cat` would wait forever on an inherited terminal or pipe.
  protocol::AttemptFinished f = Run(MakeAssignment("a1", {{"cat; echo after-eof"}}));
  EXPECT_EQ(f.outcome, Outcome::kSucceeded);
  EXPECT_EQ(Log(), "after-eof\n");
}

TEST_F(AgentTest, LogTruncatedAfterMaxBytesWhileOutputIsStillDrained) {
  options_.max_log_bytes = 100;
  StartAgent();
  // 2 MB is far more than a pipe holds: the command only finishes if the
  // discarded output is still read.
  protocol::AttemptFinished f =
      Run(MakeAssignment("a1", {{"head -c 2000000 /dev/zero | tr '\\0' x; echo tail"}}));

  EXPECT_EQ(f.outcome, Outcome::kSucceeded);
  EXPECT_EQ(Log(), std::string(100, 'x') + "\n[pipegrid: log truncated at 100 bytes]\n");
}

TEST_F(AgentTest, EachAttemptStartsWithAFreshWorkspaceAndItsOwnLog) {
  StartAgent();
  ASSERT_EQ(Run(MakeAssignment("a1", {{"echo first; touch leftover"}}, "job1", "task", 1)).outcome,
            Outcome::kSucceeded);
  protocol::AttemptFinished f =
      Run(MakeAssignment("a2", {{"echo second; test ! -e leftover"}}, "job1", "task", 2));

  EXPECT_EQ(f.outcome, Outcome::kSucceeded) << f.reason;
  EXPECT_EQ(Log("job1", "task", 1), "first\n");
  EXPECT_EQ(Log("job1", "task", 2), "second\n");
}

TEST_F(AgentTest, NoCommandsSucceedsWithoutStarting) {
  StartAgent();
  protocol::Assignment a = MakeAssignment("a1", {});
  EXPECT_EQ(Run(a).outcome, Outcome::kSucceeded);
  EXPECT_TRUE(master_.started().empty());
}

TEST_F(AgentTest, UnusableTaskNameFailsWithoutRunning) {
  StartAgent();
  protocol::AttemptFinished f = Run(MakeAssignment("a1", {{"touch ../escaped"}}, "job1", ".."));

  EXPECT_EQ(f.outcome, Outcome::kExit);
  EXPECT_FALSE(f.exit_code.has_value());
  EXPECT_THAT(f.reason, HasSubstr("cannot prepare workspace"));
  EXPECT_TRUE(master_.started().empty());
  EXPECT_FALSE(fs::exists(options_.work_dir + "/escaped"));
}

TEST_F(AgentTest, UnstartableCommandFailsAndSaysSoInTheLog) {
  StartAgent();
  // The workspace disappears between preparation and spawn: the chdir fails.
  protocol::AttemptFinished f =
      Run(MakeAssignment("a1", {{"rm -rf \"$PIPEGRID_WORKSPACE\""}, {"true"}}));

  EXPECT_EQ(f.outcome, Outcome::kExit);
  EXPECT_FALSE(f.exit_code.has_value());
  EXPECT_THAT(f.reason, HasSubstr("step 2 command 1 could not start"));
  EXPECT_THAT(Log(), HasSubstr("[pipegrid: step 2 command 1 could not start"));
}

TEST_F(AgentTest, DuplicateAssignmentIsIgnored) {
  StartAgent();
  ASSERT_EQ(Run(MakeAssignment("a1", {{"touch marker"}})).outcome, Outcome::kSucceeded);

  agent_->Assign(MakeAssignment("a1", {{"touch marker"}}));
  Barrier();

  // A second run would have recreated the workspace before the barrier.
  EXPECT_TRUE(fs::exists(Workspace() + "/marker"));
  EXPECT_EQ(master_.FinishedCount("a1"), 1u);
  EXPECT_EQ(master_.started().size(), 1u);
}

TEST_F(AgentTest, AttemptsRunConcurrently) {
  StartAgent();
  // a1 can only finish once a2 has run: they must overlap.
  protocol::Assignment a1 =
      MakeAssignment("a1", {{"read line < \"$FIFO\"; test \"$line\" = from-a2"}}, "job1", "t1");
  a1.env["FIFO"] = dir_.Sub("fifo2");
  ASSERT_EQ(::mkfifo(dir_.Sub("fifo2").c_str(), 0600), 0);
  protocol::Assignment a2 = MakeAssignment("a2", {{"echo from-a2 > \"$FIFO\""}}, "job1", "t2");
  a2.env["FIFO"] = dir_.Sub("fifo2");

  agent_->Assign(a1);
  agent_->Assign(a2);
  std::optional<protocol::AttemptFinished> f1 = master_.WaitFinished("a1");
  std::optional<protocol::AttemptFinished> f2 = master_.WaitFinished("a2");
  ASSERT_TRUE(f1 && f2);
  EXPECT_EQ(f1->outcome, Outcome::kSucceeded) << f1->reason;
  EXPECT_EQ(f2->outcome, Outcome::kSucceeded) << f2->reason;
}

}  // namespace
}  // namespace pipegrid::worker::testing
