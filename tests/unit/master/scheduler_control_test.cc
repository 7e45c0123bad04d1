// Cancel, kill, job timeout, failFast, shutdown, delete and recovery.
#include "scheduler_fixture.h"

namespace pipegrid::master::testing {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kChain[] = R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: chain}
spec:
  timeout: 10s
  tasks:
    - {name: a, steps: [{commands: ["sleep 100"]}]}
    - {name: b, dependsOn: [a], steps: [{commands: ["true"]}]}
    - {name: c, steps: [{commands: ["true"]}]}
)";

TEST_F(SchedulerTest, CancelStopsRunningAndCancelsTheRest) {
  AddWorker("w1", 1);
  std::string job = Submit(kChain);
  auto a = Start("a");
  EXPECT_THAT(Call([&](auto r) { scheduler_->Cancel(job, false, r); }), IsOk());
  ASSERT_EQ(worker_.stops.size(), 1u);
  EXPECT_EQ(worker_.stops[0].attempt_id, a.attempt_id);
  EXPECT_EQ(worker_.stops[0].outcome, Outcome::kCancelled);
  EXPECT_EQ(worker_.stops[0].grace, Millis(3000));
  EXPECT_EQ(StateOf(job, "b"), TaskState::kCancelled);
  EXPECT_EQ(StateOf(job, "c"), TaskState::kCancelled);
  EXPECT_EQ(Job(job).state, JobState::kRunning);  // until the process is gone

  Finish(a, Outcome::kCancelled);
  EXPECT_EQ(StateOf(job, "a"), TaskState::kCancelled);
  EXPECT_EQ(Job(job).state, JobState::kCancelled);
  EXPECT_THAT(worker_.assigned, IsEmpty());  // nothing new started
  EXPECT_THAT(Call([&](auto r) { scheduler_->Cancel(job, false, r); }),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(Call([&](auto r) { scheduler_->Cancel("missing", false, r); }),
              StatusIs(StatusCode::kNotFound));
}

TEST_F(SchedulerTest, KillStopsWithoutGraceAndEscalatesACancel) {
  AddWorker("w1", 1);
  std::string job = Submit(kChain);
  auto a = Start("a");
  EXPECT_THAT(Call([&](auto r) { scheduler_->Cancel(job, false, r); }), IsOk());
  EXPECT_THAT(Call([&](auto r) { scheduler_->Cancel(job, true, r); }), IsOk());
  ASSERT_EQ(worker_.stops.size(), 2u);
  EXPECT_EQ(worker_.stops[1].outcome, Outcome::kKilled);
  EXPECT_EQ(worker_.stops[1].grace, Millis(0));
  Finish(a, Outcome::kKilled);
  EXPECT_EQ(Job(job).state, JobState::kCancelled);
  EXPECT_EQ(Attempts(job, "a")[0].outcome, Outcome::kKilled);
}

TEST_F(SchedulerTest, CancelOfQueuedJobFinishesAtOnce) {
  AddWorker("w1", 0);
  std::string job = Submit(kChain);
  EXPECT_THAT(Call([&](auto r) { scheduler_->Cancel(job, false, r); }), IsOk());
  EXPECT_EQ(Job(job).state, JobState::kCancelled);
  EXPECT_EQ(scheduler_->counters().queue_depth.load(), 0);
}

TEST_F(SchedulerTest, JobTimeoutStopsAttemptsAndFailsTheJob) {
  AddWorker("w1", 1);
  std::string job = Submit(kChain);
  auto a = Start("a");
  clock_.Advance(Millis(9999));
  Run();
  EXPECT_THAT(worker_.stops, IsEmpty());
  clock_.Advance(Millis(1));
  Run();
  ASSERT_EQ(worker_.stops.size(), 1u);
  EXPECT_EQ(worker_.stops[0].outcome, Outcome::kTimeout);
  Finish(a, Outcome::kTimeout);
  store::JobRecord rec = Job(job);
  EXPECT_EQ(rec.state, JobState::kFailed);
  EXPECT_EQ(rec.reason, "timeout");
  EXPECT_EQ(StateOf(job, "a"), TaskState::kCancelled);
  EXPECT_EQ(StateOf(job, "b"), TaskState::kCancelled);
  EXPECT_EQ(Attempts(job, "a")[0].outcome, Outcome::kTimeout);
}

TEST_F(SchedulerTest, FailFastCancelsTheOtherBranches) {
  AddWorker("w1", 2);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: ff}
spec:
  failFast: true
  tasks:
    - {name: bad, steps: [{commands: ["false"]}]}
    - {name: slow, steps: [{commands: ["sleep 100"]}]}
    - {name: later, dependsOn: [slow], steps: [{commands: ["true"]}]}
)");
  auto slow = Start("slow");
  RunTask("bad", Outcome::kExit, 1);
  ASSERT_EQ(worker_.stops.size(), 1u);
  EXPECT_EQ(worker_.stops[0].attempt_id, slow.attempt_id);
  Finish(slow, Outcome::kCancelled);
  store::JobRecord rec = Job(job);
  EXPECT_EQ(rec.state, JobState::kFailed);
  EXPECT_NE(rec.reason.find("failFast"), std::string::npos);
  EXPECT_EQ(StateOf(job, "later"), TaskState::kCancelled);
}

TEST_F(SchedulerTest, WithoutFailFastIndependentBranchesContinue) {
  AddWorker("w1", 2);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: branches}
spec:
  tasks:
    - {name: bad, steps: [{commands: ["false"]}]}
    - {name: slow, steps: [{commands: ["true"]}]}
    - {name: later, dependsOn: [slow], steps: [{commands: ["true"]}]}
)");
  auto slow = Start("slow");
  RunTask("bad", Outcome::kExit, 1);
  EXPECT_THAT(worker_.stops, IsEmpty());
  EXPECT_EQ(Job(job).state, JobState::kRunning);
  Finish(slow, Outcome::kSucceeded);
  RunTask("later");
  EXPECT_EQ(Job(job).state, JobState::kFailed);
  EXPECT_EQ(StateOf(job, "later"), TaskState::kSucceeded);
}

TEST_F(SchedulerTest, ShutdownInterruptsAndRestartRunsAgainWithoutUsingBudget) {
  AddWorker("w1", 1);
  std::string job = Submit(kChain);
  auto a = Start("a");
  Status shutdown = Internal("no reply");
  scheduler_->Shutdown(Millis(500), [&](Status s) { shutdown = s; });
  Run();
  ASSERT_EQ(worker_.stops.size(), 1u);
  EXPECT_EQ(worker_.stops[0].outcome, Outcome::kInterrupted);
  EXPECT_EQ(worker_.stops[0].grace, Millis(500));
  EXPECT_THAT(shutdown, StatusIs(StatusCode::kInternal));  // not yet: attempt still runs
  auto refused = SubmitYaml(kChain);
  EXPECT_THAT(refused, StatusIs(StatusCode::kUnavailable));
  Finish(a, Outcome::kInterrupted);
  EXPECT_THAT(shutdown, IsOk());
  EXPECT_EQ(StateOf(job, "a"), TaskState::kQueued);

  Restart();
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(worker_.assigned[0].task_name, "a");
  EXPECT_EQ(worker_.assigned[0].attempt_number, 2);
  EXPECT_EQ(Task(job, "a").retries_used, 0);
  EXPECT_EQ(Task(job, "a").lost_used, 0);
}

TEST_F(SchedulerTest, CrashRecoveryLosesNothingAndRecordsOneOutcomePerAttempt) {
  AddWorker("w1", 2);
  std::string job = Submit(kChain);
  std::string queued = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: waiting}
spec:
  tasks: [{name: t, steps: [{commands: ["true"]}]}]
)");
  auto a = Start("a");
  RunTask("c");
  // Crash: no shutdown, memory gone. The running attempt of `a` is lost.
  Restart(1);
  auto attempts = Attempts(job, "a");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].id, a.attempt_id);
  EXPECT_EQ(attempts[0].outcome, Outcome::kLost);
  EXPECT_EQ(attempts[1].outcome, Outcome::kNone);
  EXPECT_EQ(StateOf(job, "c"), TaskState::kSucceeded);

  // The old attempt's result arrives late: refused.
  Finish(a, Outcome::kSucceeded);
  EXPECT_EQ(StateOf(job, "a"), TaskState::kAssigned);

  RunTask("a");
  RunTask("b");
  RunTask("t");
  EXPECT_EQ(Job(job).state, JobState::kSucceeded);
  EXPECT_EQ(Job(queued).state, JobState::kSucceeded);
  for (const char* t : {"a", "b", "c"}) {
    int succeeded = 0;
    for (const auto& at : Attempts(job, t)) succeeded += at.outcome == Outcome::kSucceeded;
    EXPECT_EQ(succeeded, 1) << t;
  }
}

TEST_F(SchedulerTest, RecoveryRearmsRetryBackoffAndResumesACancel) {
  AddWorker("w1", 1);
  std::string flaky = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: flaky}
spec:
  retry: {limit: 1, backoff: {initial: 5s, jitter: 0}}
  tasks: [{name: t, steps: [{commands: ["false"]}]}]
)");
  RunTask("t", Outcome::kExit, 1);
  ASSERT_EQ(StateOf(flaky, "t"), TaskState::kRetrying);
  clock_.Advance(Millis(2000));
  Restart();
  EXPECT_THAT(worker_.assigned, IsEmpty());
  clock_.Advance(Millis(3000));
  Run();
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(worker_.assigned[0].attempt_number, 2);

  // A cancel under way when the process died completes after restart.
  EXPECT_THAT(Call([&](auto r) { scheduler_->Cancel(flaky, false, r); }), IsOk());
  Restart();
  EXPECT_EQ(Job(flaky).state, JobState::kCancelled);
  EXPECT_THAT(worker_.assigned, IsEmpty());
}

TEST_F(SchedulerTest, DeleteOnlyFinishedJobs) {
  AddWorker("w1", 1);
  std::string job = Submit(kChain);
  EXPECT_THAT(Call([&](auto r) { scheduler_->Delete(job, r); }),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(Call([&](auto r) { scheduler_->Cancel(job, true, r); }), IsOk());
  Finish(worker_.assigned[0], Outcome::kKilled);
  EXPECT_THAT(Call([&](auto r) { scheduler_->Delete(job, r); }), IsOk());
  auto gone = store_->GetJob(job);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  EXPECT_THAT(Call([&](auto r) { scheduler_->Delete(job, r); }), StatusIs(StatusCode::kNotFound));
}

TEST_F(SchedulerTest, DeregisteredWorkerLosesItsAttempts) {
  FakeWorker other;
  AddWorker("w2", 1, {}, &other);
  std::string job = Submit(kChain);
  ASSERT_EQ(other.assigned.size(), 1u);
  scheduler_->DeregisterWorker("w2");
  Run();
  EXPECT_EQ(Attempts(job, "a")[0].outcome, Outcome::kLost);
  EXPECT_EQ(StateOf(job, "a"), TaskState::kQueued);
  AddWorker("w1", 2);
  EXPECT_THAT(AssignedTasks(), ElementsAre("a", "c"));
}

}  // namespace
}  // namespace pipegrid::master::testing
