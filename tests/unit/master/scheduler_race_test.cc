// Interleavings that only show when commits are slow, and the edge cases of
// retry and requeue found in review.
#include "scheduler_fixture.h"

namespace pipegrid::master::testing {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::testing::IsEmpty;

constexpr char kOnce[] = R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: once, externalId: ext-1}
spec:
  tasks: [{name: t, steps: [{commands: ["true"]}]}]
)";

TEST_F(SchedulerTest, ResubmitIsAnsweredOnlyOnceTheJobIsDurable) {
  AddWorker("w1", 1);
  committer_->held = true;
  auto spec = spec::ParseJobSpec(kOnce, spec::BodyFormat::kYaml);
  ASSERT_TRUE(spec.ok());
  int replies = 0;
  bool stored_when_answered = true;
  auto on_reply = [&](Result<SubmitResult> r) {
    ASSERT_TRUE(r.ok());
    ++replies;
    auto job = store_->GetJob(r->job_id);
    stored_when_answered = stored_when_answered && job.ok() && job->has_value();
  };
  scheduler_->Submit(*spec, on_reply);
  scheduler_->Submit(*spec, on_reply);
  Run();
  EXPECT_EQ(replies, 0);
  committer_->ReleaseAll();
  Run();
  EXPECT_EQ(replies, 2);
  EXPECT_TRUE(stored_when_answered);
}

TEST_F(SchedulerTest, RetryRacingADeleteCannotBringTheJobBack) {
  AddWorker("w1", 1);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: doomed}
spec:
  tasks:
    - {name: a, steps: [{commands: ["false"]}]}
    - {name: b, dependsOn: [a], steps: [{commands: ["true"]}]}
)");
  RunTask("a", Outcome::kExit, 1);
  ASSERT_EQ(Job(job).state, JobState::kFailed);
  committer_->held = true;
  Status deleted = Internal("no reply");
  scheduler_->Delete(job, [&](Status s) { deleted = s; });
  Run();
  EXPECT_THAT(Call([&](auto r) { scheduler_->Retry(job, r); }), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(Call([&](auto r) { scheduler_->Cancel(job, false, r); }),
              StatusIs(StatusCode::kNotFound));
  committer_->ReleaseAll();
  Run();
  EXPECT_THAT(deleted, IsOk());
  auto gone = store_->GetJob(job);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  Restart();  // recovery finds nothing half-deleted
  EXPECT_THAT(worker_.assigned, IsEmpty());
}

TEST_F(SchedulerTest, PurgeSkipsJobsTakenBackIntoMemory) {
  AddWorker("w1", 1);
  std::string retried = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: r}
spec:
  tasks: [{name: t, steps: [{commands: ["false"]}]}]
)");
  RunTask("t", Outcome::kExit, 1);
  std::string done = Submit(kOnce);
  RunTask("t");
  EXPECT_THAT(Call([&](auto r) { scheduler_->Retry(retried, r); }), IsOk());
  EXPECT_THAT(Call([&](auto r) { scheduler_->Purge({retried, done}, r); }), IsOk());
  EXPECT_TRUE(store_->GetJob(retried)->has_value());
  EXPECT_FALSE(store_->GetJob(done)->has_value());
}

TEST_F(SchedulerTest, RequeueLeavesADependentSkippedWhileAnotherUpstreamFailed) {
  AddWorker("w1", 2);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: two-parents}
spec:
  tasks:
    - {name: a, steps: [{commands: ["false"]}]}
    - {name: b, steps: [{commands: ["false"]}]}
    - {name: d, dependsOn: [a, b], steps: [{commands: ["true"]}]}
)");
  RunTask("a", Outcome::kExit, 1);
  RunTask("b", Outcome::kExit, 1);
  ASSERT_EQ(Job(job).state, JobState::kFailed);
  EXPECT_THAT(Call([&](auto r) { scheduler_->RequeueDeadLetter(Task(job, "a").id, r); }), IsOk());
  EXPECT_EQ(StateOf(job, "d"), TaskState::kSkipped);  // b still failed
  RunTask("a");
  EXPECT_EQ(Job(job).state, JobState::kFailed);  // finishes again instead of hanging
  EXPECT_THAT(Call([&](auto r) { scheduler_->RequeueDeadLetter(Task(job, "b").id, r); }), IsOk());
  EXPECT_EQ(StateOf(job, "d"), TaskState::kPending);
  RunTask("b");
  RunTask("d");
  EXPECT_EQ(Job(job).state, JobState::kSucceeded);
}

TEST_F(SchedulerTest, RetryWithNothingLeftToRunFinishesTheJob) {
  AddWorker("w1", 1);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: raced}
spec:
  tasks: [{name: t, steps: [{commands: ["true"]}]}]
)");
  auto a = Start("t");
  EXPECT_THAT(Call([&](auto r) { scheduler_->Cancel(job, false, r); }), IsOk());
  Finish(a, Outcome::kSucceeded);  // the success beat the stop
  ASSERT_EQ(Job(job).state, JobState::kCancelled);
  EXPECT_THAT(Call([&](auto r) { scheduler_->Retry(job, r); }), IsOk());
  EXPECT_EQ(Job(job).state, JobState::kSucceeded);
}

TEST_F(SchedulerTest, RequeueIsRefusedWhileTheJobIsStopping) {
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
)");
  auto slow = Start("slow");
  RunTask("bad", Outcome::kExit, 1);
  EXPECT_THAT(Call([&](auto r) { scheduler_->RequeueDeadLetter(Task(job, "bad").id, r); }),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(worker_.assigned, IsEmpty());
  Finish(slow, Outcome::kCancelled);
  EXPECT_EQ(Job(job).state, JobState::kFailed);
}

TEST_F(SchedulerTest, KillDuringAJobTimeoutKeepsTheTimeoutVerdict) {
  AddWorker("w1", 1);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: slow}
spec:
  timeout: 1s
  tasks: [{name: t, steps: [{commands: ["sleep 100"]}]}]
)");
  auto a = Start("t");
  clock_.Advance(Millis(1000));
  Run();
  EXPECT_THAT(Call([&](auto r) { scheduler_->Cancel(job, true, r); }), IsOk());
  ASSERT_EQ(worker_.stops.size(), 2u);
  EXPECT_EQ(worker_.stops[1].grace, Millis(0));
  Finish(a, Outcome::kKilled);
  EXPECT_EQ(Job(job).state, JobState::kFailed);
  EXPECT_EQ(Job(job).reason, "timeout");
}

TEST_F(SchedulerTest, TimeoutCountsFromTheRetryEvenAfterARestart) {
  AddWorker("w1", 1);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: deadline}
spec:
  timeout: 1h
  tasks: [{name: t, steps: [{commands: ["false"]}]}]
)");
  RunTask("t", Outcome::kExit, 1);
  clock_.Advance(std::chrono::hours(2));
  EXPECT_THAT(Call([&](auto r) { scheduler_->Retry(job, r); }), IsOk());
  Restart();
  ASSERT_EQ(worker_.assigned.size(), 1u);
  auto a = Start("t");
  clock_.Advance(std::chrono::minutes(59));
  Run();
  EXPECT_THAT(worker_.stops, IsEmpty());
  clock_.Advance(std::chrono::minutes(1));
  Run();
  ASSERT_EQ(worker_.stops.size(), 1u);
  EXPECT_EQ(worker_.stops[0].outcome, Outcome::kTimeout);
}

TEST_F(SchedulerTest, TaskNoWorkerCanEverRunSaysWhy) {
  AddWorker("w1", 1);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: picky}
spec:
  tasks: [{name: t, nodeSelector: {gpu: "yes"}, steps: [{commands: ["true"]}]}]
)");
  store::TaskRecord t = Task(job, "t");
  EXPECT_EQ(t.state, TaskState::kQueued);
  EXPECT_EQ(t.reason, "no worker matches nodeSelector");
}

}  // namespace
}  // namespace pipegrid::master::testing
