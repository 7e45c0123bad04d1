// Agent: at most `slots` attempts run at once; prefetched assignments wait in
// arrival order, start the moment a slot frees, and can be stopped or handed
// back at shutdown without ever starting.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "agent_fixture.h"

namespace pipegrid::worker::testing {
namespace {

namespace fs = std::filesystem;

// A command that says "ready" on $FIFO and then blocks until the test writes
// a line to $GATE: it holds its slot exactly as long as the test wants.
protocol::Assignment Blocking(const std::string& id, const std::string& fifo,
                              const std::string& gate, const std::string& task) {
  protocol::Assignment a = MakeAssignment(
      id, {{"echo ready > \"$FIFO\"; read line < \"$GATE\""}}, "job1", task);
  a.env["FIFO"] = fifo;
  a.env["GATE"] = gate;
  return a;
}

class AgentSlotsTest : public AgentTest {
 protected:
  AgentSlotsTest() : fifo_(dir_.Sub("fifo")) {
    options_.slots = 1;
    gate_ = dir_.Sub("gate");
    EXPECT_EQ(::mkfifo(gate_.c_str(), 0600), 0);
  }
  // Starts a1, which blocks in the only slot until OpenGate().
  void HoldTheSlot() {
    agent_->Assign(Blocking("a1", fifo_.path(), gate_, "t1"));
    ASSERT_EQ(fifo_.ReadLine(), "ready");
  }
  // Lets the blocked command finish (the open waits for its reader).
  void OpenGate() { std::ofstream(gate_) << "go\n"; }

  Fifo fifo_;
  std::string gate_;
};

TEST_F(AgentSlotsTest, AnAssignmentBeyondTheSlotsWaitsThenStartsWhenTheSlotFrees) {
  StartAgent();
  ASSERT_NO_FATAL_FAILURE(HoldTheSlot());
  agent_->Assign(MakeAssignment("a2", {{"touch ran"}}, "job1", "t2"));
  Barrier();

  // a2 is held, not run: no Started, no workspace, while a1 has the slot.
  EXPECT_EQ(master_.StartedSeq("a2"), -1);
  EXPECT_FALSE(fs::exists(Workspace("job1", "t2")));

  OpenGate();
  std::optional<protocol::AttemptFinished> f2 = master_.WaitFinished("a2");
  ASSERT_TRUE(f2.has_value());
  EXPECT_EQ(f2->outcome, Outcome::kSucceeded) << f2->reason;
  EXPECT_TRUE(fs::exists(Workspace("job1", "t2") + "/ran"));
  // One at a time: a2 started only after a1 was reported finished.
  EXPECT_GT(master_.StartedSeq("a2"), master_.FinishedSeq("a1"));
}

TEST_F(AgentSlotsTest, WaitingAssignmentsStartInArrivalOrder) {
  StartAgent();
  ASSERT_NO_FATAL_FAILURE(HoldTheSlot());
  for (const char* id : {"a2", "a3", "a4"}) {
    agent_->Assign(MakeAssignment(id, {{"true"}}, "job1", std::string("t-") + id));
  }
  OpenGate();
  ASSERT_EQ(master_.WaitForFinished(4).size(), 4u);
  EXPECT_LT(master_.StartedSeq("a2"), master_.StartedSeq("a3"));
  EXPECT_LT(master_.StartedSeq("a3"), master_.StartedSeq("a4"));
}

TEST_F(AgentSlotsTest, StoppingAWaitingAssignmentEndsItWithoutRunning) {
  StartAgent();
  ASSERT_NO_FATAL_FAILURE(HoldTheSlot());
  agent_->Assign(MakeAssignment("a2", {{"touch ran"}}, "job1", "t2"));
  agent_->Stop(protocol::StopRequest{"a2", Outcome::kCancelled, Millis(10'000)});

  std::optional<protocol::AttemptFinished> f2 = master_.WaitFinished("a2");
  ASSERT_TRUE(f2.has_value());
  EXPECT_EQ(f2->outcome, Outcome::kCancelled);
  EXPECT_EQ(f2->reason, "stopped before it started");
  OpenGate();
  ASSERT_TRUE(master_.WaitFinished("a1").has_value());
  Barrier();
  EXPECT_EQ(master_.StartedSeq("a2"), -1);
  EXPECT_EQ(master_.FinishedCount("a2"), 1u);
  EXPECT_FALSE(fs::exists(Workspace("job1", "t2") + "/ran"));
}

TEST_F(AgentSlotsTest, ADuplicateOfAWaitingAssignmentIsIgnored) {
  StartAgent();
  ASSERT_NO_FATAL_FAILURE(HoldTheSlot());
  agent_->Assign(MakeAssignment("a2", {{"echo once >> ../count"}}, "job1", "t2"));
  agent_->Assign(MakeAssignment("a2", {{"echo once >> ../count"}}, "job1", "t2"));
  OpenGate();
  ASSERT_TRUE(master_.WaitFinished("a2").has_value());
  Barrier();
  EXPECT_EQ(master_.FinishedCount("a2"), 1u);
  EXPECT_EQ(ReadFile(options_.work_dir + "/job1/count"), "once\n");
}

TEST_F(AgentSlotsTest, ShutdownHandsBackWaitingAssignmentsAsInterrupted) {
  StartAgent();
  ASSERT_NO_FATAL_FAILURE(HoldTheSlot());
  agent_->Assign(MakeAssignment("a2", {{"touch ran"}}, "job1", "t2"));
  Barrier();
  agent_->Shutdown(Millis(0));

  std::vector<protocol::AttemptFinished> all = master_.finished();
  auto outcome_of = [&](const std::string& id) {
    for (const auto& f : all) {
      if (f.attempt_id == id) return f.outcome;
    }
    return Outcome::kNone;
  };
  EXPECT_EQ(outcome_of("a1"), Outcome::kInterrupted);
  EXPECT_EQ(outcome_of("a2"), Outcome::kInterrupted);
  EXPECT_EQ(master_.StartedSeq("a2"), -1);
}

TEST_F(AgentSlotsTest, ReleaseWaitsForAWaitingAttemptOfTheJob) {
  StartAgent();
  ASSERT_NO_FATAL_FAILURE(HoldTheSlot());
  agent_->Assign(MakeAssignment("a2", {{"touch ran"}}, "job2", "t2"));
  agent_->ReleaseJob("job2");  // a stale release: a2 still has to run
  OpenGate();
  std::optional<protocol::AttemptFinished> f2 = master_.WaitFinished("a2");
  ASSERT_TRUE(f2.has_value());
  EXPECT_EQ(f2->outcome, Outcome::kSucceeded) << f2->reason;
  Barrier();
  // Released once a2 was over.
  EXPECT_FALSE(fs::exists(options_.work_dir + "/job2"));
}

}  // namespace
}  // namespace pipegrid::worker::testing
