// Worker sessions: leases and loss, reconnect and adoption, identity, drain,
// spread (src/master/fleet.cc).
#include "scheduler_fixture.h"

namespace pipegrid::master::testing {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kOne[] = R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: one}
spec:
  retry: {lostLimit: 1}
  tasks:
    - {name: a, steps: [{commands: ["sleep 100"]}]}
)";

class FleetTest : public SchedulerTest {
 protected:
  void SetUp() override {
    options_.worker_timeout = Millis(10'000);
    Open();
  }

  static WorkerRegistration Reg(const std::string& name, const std::string& instance,
                                int slots = 1) {
    WorkerRegistration reg;
    reg.name = name;
    reg.instance_id = instance;
    reg.slots = slots;
    return reg;
  }
  // Moves the fake clock and lets due timers run.
  void Advance(Millis d) {
    clock_.Advance(d);
    Run();
  }
};

TEST_F(FleetTest, HeartbeatsKeepTheLeaseAndSilenceLosesTheWorker) {
  auto s = Connect(Reg("w1", "i1"), &worker_);
  ASSERT_THAT(s.status(), IsOk());
  EXPECT_EQ(s->lease, Millis(10'000));
  EXPECT_LT(s->heartbeat_interval, s->lease);
  std::string job = Submit(kOne);
  auto a = Start("a");
  for (int i = 0; i < 5; ++i) {  // 15 s in all, each step inside the lease
    Advance(Millis(3'000));
    scheduler_->WorkerHeartbeat("w1", s->id);
    Run();
  }
  EXPECT_EQ(Worker("w1").state, WorkerState::kReady);
  EXPECT_EQ(StateOf(job, "a"), TaskState::kRunning);

  Advance(Millis(11'000));
  EXPECT_EQ(Worker("w1").state, WorkerState::kLost);
  ASSERT_THAT(worker_.closed, SizeIs(1));  // its session is over
  EXPECT_EQ(Attempts(job, "a")[0].outcome, Outcome::kLost);
  EXPECT_EQ(StateOf(job, "a"), TaskState::kQueued);
  EXPECT_EQ(scheduler_->counters().workers_lost.load(), 1u);

  // Its late result is refused: fencing.
  Finish(a, Outcome::kSucceeded);
  EXPECT_EQ(StateOf(job, "a"), TaskState::kQueued);
  EXPECT_EQ(scheduler_->counters().stale_results.load(), 1u);
}

TEST_F(FleetTest, ALostTaskRunsOnAnotherWorker) {
  FakeWorker other;
  auto s1 = Connect(Reg("w1", "i1"), &worker_);
  std::string job = Submit(kOne);
  Start("a");
  auto s2 = Connect(Reg("w2", "i2"), &other);
  ASSERT_THAT(s2.status(), IsOk());
  EXPECT_THAT(other.assigned, IsEmpty());
  // w2 keeps heartbeating, w1 does not.
  for (int i = 0; i < 4; ++i) {
    Advance(Millis(3'000));
    scheduler_->WorkerHeartbeat("w2", s2->id);
    Run();
  }
  ASSERT_THAT(other.assigned, SizeIs(1));
  EXPECT_EQ(other.assigned[0].task_name, "a");
  EXPECT_EQ(other.assigned[0].attempt_number, 2);
  EXPECT_EQ(Worker("w1").state, WorkerState::kLost);
  EXPECT_EQ(Worker("w2").state, WorkerState::kReady);
}

TEST_F(FleetTest, ReconnectAdoptsCurrentAttemptsAndKillsTheRest) {
  auto s = Connect(Reg("w1", "i1", 2), &worker_);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: two}
spec:
  tasks:
    - {name: a, steps: [{commands: ["sleep 100"]}]}
    - {name: b, steps: [{commands: ["sleep 100"]}]}
)");
  auto a = Start("a");
  auto b = Start("b");
  EXPECT_THAT(Call([&](auto r) { scheduler_->DisconnectWorker("w1", s->id, r); }), IsOk());
  EXPECT_FALSE(Worker("w1").connected);
  EXPECT_EQ(Worker("w1").state, WorkerState::kReady);  // within its lease

  // Back with `a` running, `b` finished while away, and an unknown attempt.
  FakeWorker again;
  WorkerRegistration reg = Reg("w1", "i1", 2);
  reg.running.push_back({a.attempt_id, 77, clock_.Wall()});
  reg.running.push_back({"old-attempt", 78, clock_.Wall()});
  protocol::AttemptFinished done_b;
  done_b.attempt_id = b.attempt_id;
  done_b.outcome = Outcome::kSucceeded;
  done_b.exit_code = 0;
  done_b.finished_at = clock_.Wall();
  reg.finished.push_back(done_b);
  auto s2 = Connect(reg, &again);
  ASSERT_THAT(s2.status(), IsOk());
  EXPECT_NE(s2->id, s->id);
  ASSERT_THAT(s2->adopt, SizeIs(1));
  EXPECT_EQ(s2->adopt[0].attempt_id, a.attempt_id);
  EXPECT_EQ(s2->adopt[0].task_name, "a");
  EXPECT_THAT(s2->kill, ElementsAre("old-attempt"));
  EXPECT_EQ(StateOf(job, "a"), TaskState::kRunning);
  EXPECT_EQ(StateOf(job, "b"), TaskState::kSucceeded);
  EXPECT_EQ(Worker("w1").slots_free, 1);  // `a` holds a slot

  // The old session's late disconnect changes nothing.
  EXPECT_THAT(Call([&](auto r) { scheduler_->DisconnectWorker("w1", s->id, r); }), IsOk());
  EXPECT_TRUE(Worker("w1").connected);
  Finish(a, Outcome::kSucceeded);
  EXPECT_EQ(Job(job).state, JobState::kSucceeded);
}

TEST_F(FleetTest, AnAttemptTheWorkerNoLongerHasIsLostOrQueuedAgain) {
  auto s = Connect(Reg("w1", "i1", 2), &worker_);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: two}
spec:
  tasks:
    - {name: a, steps: [{commands: ["sleep 100"]}]}
    - {name: b, steps: [{commands: ["sleep 100"]}]}
)");
  Start("a");  // b stays ASSIGNED: as if its assignment was lost on the wire
  EXPECT_THAT(Call([&](auto r) { scheduler_->DisconnectWorker("w1", s->id, r); }), IsOk());
  FakeWorker again;
  ASSERT_THAT(Connect(Reg("w1", "i1", 2), &again).status(), IsOk());
  EXPECT_EQ(Attempts(job, "a")[0].outcome, Outcome::kLost);
  EXPECT_EQ(Attempts(job, "b")[0].outcome, Outcome::kInterrupted);
  EXPECT_EQ(Task(job, "a").lost_used, 1);
  EXPECT_EQ(Task(job, "b").lost_used, 0);  // never ran: no budget used
  EXPECT_THAT(again.assigned, SizeIs(2));  // both run again, on the new session
}

TEST_F(FleetTest, AnotherInstanceUnderALiveNameIsRefusedUntilTheLeaseEnds) {
  ASSERT_THAT(Connect(Reg("w1", "i1"), &worker_).status(), IsOk());
  FakeWorker impostor;
  EXPECT_THAT(Connect(Reg("w1", "i2"), &impostor).status(),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(worker_.closed, IsEmpty());
  Advance(Millis(11'000));
  EXPECT_EQ(Worker("w1").state, WorkerState::kLost);
  EXPECT_THAT(Connect(Reg("w1", "i2"), &impostor).status(), IsOk());
  EXPECT_EQ(Worker("w1").state, WorkerState::kReady);
}

TEST_F(FleetTest, TheSameInstanceReplacesItsOldSession) {
  auto s1 = Connect(Reg("w1", "i1"), &worker_);
  FakeWorker again;
  auto s2 = Connect(Reg("w1", "i1"), &again);
  ASSERT_THAT(s2.status(), IsOk());
  EXPECT_THAT(worker_.closed, SizeIs(1));
  // A heartbeat of the old session does not renew the new one's lease.
  Advance(Millis(6'000));
  scheduler_->WorkerHeartbeat("w1", s1->id);
  Advance(Millis(5'000));
  EXPECT_EQ(Worker("w1").state, WorkerState::kLost);
}

TEST_F(FleetTest, AfterAMasterRestartRunningAttemptsWaitForTheirWorker) {
  auto s = Connect(Reg("w1", "i1"), &worker_);
  std::string job = Submit(kOne);
  auto a = Start("a");
  // The master restarts; the worker keeps running `a`.
  Close();
  Open();
  ASSERT_THAT(scheduler_->Recover(), IsOk());
  EXPECT_EQ(StateOf(job, "a"), TaskState::kRunning);
  EXPECT_FALSE(Worker("w1").connected);
  FakeWorker back;
  WorkerRegistration reg = Reg("w1", "i1");
  reg.running.push_back({a.attempt_id, 77, clock_.Wall()});
  auto s2 = Connect(reg, &back);
  ASSERT_THAT(s2.status(), IsOk());
  ASSERT_THAT(s2->adopt, SizeIs(1));
  Finish(a, Outcome::kSucceeded);
  EXPECT_EQ(Job(job).state, JobState::kSucceeded);
  ASSERT_THAT(Attempts(job, "a"), SizeIs(1));  // it ran once
}

TEST_F(FleetTest, AfterAMasterRestartAWorkerThatNeverReturnsIsLost) {
  Connect(Reg("w1", "i1"), &worker_);
  std::string job = Submit(kOne);
  Start("a");
  Close();
  Open();
  ASSERT_THAT(scheduler_->Recover(), IsOk());
  FakeWorker other;
  auto s2 = Connect(Reg("w2", "i2"), &other);
  EXPECT_THAT(other.assigned, IsEmpty());
  for (int i = 0; i < 4; ++i) {
    Advance(Millis(3'000));
    scheduler_->WorkerHeartbeat("w2", s2->id);
    Run();
  }
  EXPECT_EQ(Worker("w1").state, WorkerState::kLost);
  EXPECT_EQ(Attempts(job, "a")[0].outcome, Outcome::kLost);
  EXPECT_THAT(other.assigned, SizeIs(1));
}

TEST_F(FleetTest, DrainAsksTheWorkerToLeaveAndDeregisterEndsIt) {
  auto s = Connect(Reg("w1", "i1"), &worker_);
  std::string job = Submit(kOne);
  auto a = Start("a");
  EXPECT_THAT(Call([&](auto r) { scheduler_->DrainWorker("w1", r); }), IsOk());
  EXPECT_EQ(worker_.drains, 1);
  EXPECT_EQ(Worker("w1").state, WorkerState::kDraining);
  Finish(a, Outcome::kSucceeded);
  EXPECT_THAT(Call([&](auto r) { scheduler_->DeregisterWorker("w1", s->id, r); }), IsOk());
  EXPECT_EQ(Worker("w1").state, WorkerState::kGone);
  EXPECT_EQ(Job(job).state, JobState::kSucceeded);
  // Gone workers are listed for a while, then forgotten.
  Advance(Millis(3'700'000));
  std::vector<WorkerInfo> all;
  scheduler_->ListWorkers([&](std::vector<WorkerInfo> w) { all = std::move(w); });
  Run();
  EXPECT_THAT(all, IsEmpty());
}

TEST_F(FleetTest, WorkerSideDrainingStopsPlacement) {
  auto s = Connect(Reg("w1", "i1"), &worker_);
  scheduler_->WorkerDraining("w1", s->id);
  Run();
  EXPECT_EQ(Worker("w1").state, WorkerState::kDraining);
  Submit(kOne);
  EXPECT_THAT(worker_.assigned, IsEmpty());
}

TEST_F(FleetTest, SpreadPutsAJobsTasksOnDifferentWorkers) {
  FakeWorker w2;
  Connect(Reg("w1", "i1", 4), &worker_);
  Connect(Reg("w2", "i2", 2), &w2);
  Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: spread}
spec:
  tasks:
    - {name: a, spread: true, steps: [{commands: ["true"]}]}
    - {name: b, spread: true, steps: [{commands: ["true"]}]}
    - {name: c, spread: true, steps: [{commands: ["true"]}]}
    - {name: d, spread: true, steps: [{commands: ["true"]}]}
)");
  // Without spread, w1 (more free slots) would take three of them.
  EXPECT_THAT(worker_.assigned, SizeIs(2));
  EXPECT_THAT(w2.assigned, SizeIs(2));
}

}  // namespace
}  // namespace pipegrid::master::testing
