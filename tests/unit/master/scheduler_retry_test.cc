// Retries with backoff, lost attempts, dead letters, job retry, requeue and
// fencing of stale results.
#include "scheduler_fixture.h"

namespace pipegrid::master::testing {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// `flaky` retries twice with exact backoff 1s, 2s; `after` depends on it;
// `side` is an independent branch.
constexpr char kFlaky[] = R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: flaky}
spec:
  retry: {limit: 2, lostLimit: 1, backoff: {initial: 1s, factor: 2, max: 1m, jitter: 0}}
  tasks:
    - {name: flaky, steps: [{commands: ["false"]}]}
    - {name: after, dependsOn: [flaky], steps: [{commands: ["true"]}]}
    - {name: side, steps: [{commands: ["true"]}]}
)";

TEST_F(SchedulerTest, RetriesAfterExactBackoffThenDeadLetters) {
  AddWorker("w1", 1);
  std::string job = Submit(kFlaky);
  RunTask("flaky", Outcome::kExit, 3);
  // First retry waits 1s: nothing is assigned before, the slot goes to `side`.
  EXPECT_EQ(StateOf(job, "flaky"), TaskState::kRetrying);
  store::TaskRecord t = Task(job, "flaky");
  ASSERT_TRUE(t.retry_at.has_value());
  EXPECT_EQ(*t.retry_at, clock_.Wall() + Millis(1000));
  RunTask("side");
  clock_.Advance(Millis(999));
  Run();
  EXPECT_THAT(worker_.assigned, IsEmpty());
  clock_.Advance(Millis(1));
  Run();
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(worker_.assigned[0].attempt_number, 2);

  RunTask("flaky", Outcome::kSignal);
  clock_.Advance(Millis(1999));
  Run();
  EXPECT_THAT(worker_.assigned, IsEmpty());
  clock_.Advance(Millis(1));
  Run();
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(worker_.assigned[0].attempt_number, 3);

  RunTask("flaky", Outcome::kTimeout);
  // 1 + limit attempts, then FAILED, dead-lettered, dependents skipped.
  EXPECT_EQ(StateOf(job, "flaky"), TaskState::kFailed);
  EXPECT_EQ(StateOf(job, "after"), TaskState::kSkipped);
  EXPECT_EQ(StateOf(job, "side"), TaskState::kSucceeded);
  auto attempts = Attempts(job, "flaky");
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].outcome, Outcome::kExit);
  EXPECT_EQ(attempts[0].exit_code, 3);
  EXPECT_EQ(attempts[2].outcome, Outcome::kTimeout);
  store::JobRecord rec = Job(job);
  EXPECT_EQ(rec.state, JobState::kFailed);
  EXPECT_NE(rec.reason.find("flaky"), std::string::npos);

  auto dls = store_->ListDeadLetters({});
  ASSERT_TRUE(dls.ok());
  ASSERT_EQ(dls->size(), 1u);
  EXPECT_EQ((*dls)[0].task, "flaky");
  EXPECT_EQ((*dls)[0].attempts, 3);
  EXPECT_EQ((*dls)[0].outcome, Outcome::kTimeout);
  EXPECT_EQ(scheduler_->counters().retries.load(), 2u);
}

TEST_F(SchedulerTest, LostUsesLostLimitAndRequeuesAtOnce) {
  AddWorker("w1", 1);
  std::string job = Submit(kFlaky);
  RunTask("flaky", Outcome::kLost);
  // Requeued without backoff, and `limit` untouched.
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(worker_.assigned[0].task_name, "flaky");
  EXPECT_EQ(Task(job, "flaky").retries_used, 0);
  EXPECT_EQ(Task(job, "flaky").lost_used, 1);
  RunTask("flaky", Outcome::kLost);  // lostLimit 1 used up
  EXPECT_EQ(StateOf(job, "flaky"), TaskState::kFailed);
}

TEST_F(SchedulerTest, StaleResultIsRefused) {
  AddWorker("w1", 1);
  std::string job = Submit(kFlaky);
  auto first = Start("flaky");
  Finish(first, Outcome::kLost);
  auto second = Start("flaky");
  // The first attempt's worker comes back with a result: refused.
  Finish(first, Outcome::kSucceeded);
  EXPECT_EQ(StateOf(job, "flaky"), TaskState::kRunning);
  Finish(second, Outcome::kSucceeded);
  Finish(second, Outcome::kExit, 1);  // a duplicate report changes nothing
  EXPECT_EQ(StateOf(job, "flaky"), TaskState::kSucceeded);
  auto attempts = Attempts(job, "flaky");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].outcome, Outcome::kLost);
  EXPECT_EQ(attempts[1].outcome, Outcome::kSucceeded);
}

TEST_F(SchedulerTest, RetryOfFailedJobKeepsSuccessesAndContinuesNumbers) {
  AddWorker("w1", 1);
  std::string job = Submit(kFlaky);
  RunTask("flaky", Outcome::kExit, 1);
  RunTask("side");
  for (int i = 0; i < 2; ++i) {
    clock_.Advance(Millis(60'000));
    Run();
    RunTask("flaky", Outcome::kExit, 1);
  }
  ASSERT_EQ(Job(job).state, JobState::kFailed);

  EXPECT_THAT(Call([&](auto r) { scheduler_->Retry(job, r); }), IsOk());
  EXPECT_EQ(Job(job).state, JobState::kPending);
  EXPECT_EQ(StateOf(job, "side"), TaskState::kSucceeded);
  EXPECT_EQ(StateOf(job, "after"), TaskState::kPending);
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(worker_.assigned[0].task_name, "flaky");
  EXPECT_EQ(worker_.assigned[0].attempt_number, 4);
  auto dls = store_->ListDeadLetters({});
  ASSERT_TRUE(dls.ok());
  EXPECT_THAT(*dls, IsEmpty());

  RunTask("flaky");
  RunTask("after");
  EXPECT_EQ(Job(job).state, JobState::kSucceeded);
  EXPECT_EQ(Attempts(job, "side").size(), 1u);
}

TEST_F(SchedulerTest, RetryOnlyForFailedOrCancelledJobs) {
  AddWorker("w1", 1);
  std::string job = Submit(kFlaky);
  EXPECT_THAT(Call([&](auto r) { scheduler_->Retry(job, r); }),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(Call([&](auto r) { scheduler_->Retry("nope", r); }), StatusIs(StatusCode::kNotFound));
}

TEST_F(SchedulerTest, RequeueDeadLetterRevivesTaskAndSkippedDependents) {
  AddWorker("w1", 1);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: dl}
spec:
  tasks:
    - {name: a, steps: [{commands: ["false"]}]}
    - {name: b, dependsOn: [a], steps: [{commands: ["true"]}]}
    - {name: c, dependsOn: [b], steps: [{commands: ["true"]}]}
)");
  RunTask("a", Outcome::kExit, 1);
  ASSERT_EQ(Job(job).state, JobState::kFailed);
  ASSERT_EQ(StateOf(job, "c"), TaskState::kSkipped);
  std::string task_id = Task(job, "a").id;

  EXPECT_THAT(Call([&](auto r) { scheduler_->RequeueDeadLetter(task_id, r); }), IsOk());
  EXPECT_EQ(Job(job).state, JobState::kRunning);
  EXPECT_EQ(StateOf(job, "b"), TaskState::kPending);
  EXPECT_EQ(StateOf(job, "c"), TaskState::kPending);
  auto dl = store_->GetDeadLetter(task_id);
  ASSERT_TRUE(dl.ok());
  EXPECT_FALSE(dl->has_value());
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(worker_.assigned[0].attempt_number, 2);

  RunTask("a");
  RunTask("b");
  RunTask("c");
  EXPECT_EQ(Job(job).state, JobState::kSucceeded);
  EXPECT_THAT(Call([&](auto r) { scheduler_->RequeueDeadLetter(task_id, r); }),
              StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace pipegrid::master::testing
