// DAG release order, priorities, placement and idempotent submit.
#include "scheduler_fixture.h"

namespace pipegrid::master::testing {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kDiamond[] = R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: diamond}
spec:
  tasks:
    - {name: a, steps: [{commands: ["true"]}]}
    - {name: b, dependsOn: [a], steps: [{commands: ["true"]}]}
    - {name: c, dependsOn: [a], steps: [{commands: ["true"]}]}
    - {name: d, dependsOn: [b, c], steps: [{commands: ["true"]}]}
)";

std::string OneTask(const std::string& name, int priority = 0, const std::string& extra = "") {
  return "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: " + name +
         "}\nspec:\n  priority: " + std::to_string(priority) + "\n  tasks:\n    - name: t\n" +
         extra + "      steps: [{commands: [\"true\"]}]\n";
}

TEST_F(SchedulerTest, DiamondRunsInDependencyOrder) {
  AddWorker("w1", 4);
  std::string job = Submit(kDiamond);
  EXPECT_THAT(AssignedTasks(), ElementsAre("a"));
  EXPECT_EQ(StateOf(job, "b"), TaskState::kPending);
  EXPECT_EQ(Job(job).state, JobState::kPending);

  auto a = Start("a");
  EXPECT_EQ(Job(job).state, JobState::kRunning);
  EXPECT_TRUE(Job(job).started_at.has_value());
  Finish(a, Outcome::kSucceeded);
  EXPECT_THAT(AssignedTasks(), ElementsAre("b", "c"));

  RunTask("b");
  EXPECT_THAT(AssignedTasks(), ElementsAre("c"));  // d still waits for c
  EXPECT_EQ(StateOf(job, "d"), TaskState::kPending);
  RunTask("c");
  EXPECT_THAT(AssignedTasks(), ElementsAre("d"));
  RunTask("d");

  store::JobRecord rec = Job(job);
  EXPECT_EQ(rec.state, JobState::kSucceeded);
  EXPECT_TRUE(rec.finished_at.has_value());
  EXPECT_THAT(worker_.released, ElementsAre(job));
  for (const char* t : {"a", "b", "c", "d"}) {
    EXPECT_EQ(StateOf(job, t), TaskState::kSucceeded) << t;
    auto attempts = Attempts(job, t);
    ASSERT_EQ(attempts.size(), 1u) << t;
    EXPECT_EQ(attempts[0].outcome, Outcome::kSucceeded);
    EXPECT_EQ(attempts[0].number, 1);
    EXPECT_EQ(attempts[0].worker, "w1");
  }
}

TEST_F(SchedulerTest, AssignmentCarriesStepsTimeoutAndIdentity) {
  AddWorker("w1", 1);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: one}
spec:
  tasks:
    - name: t
      timeout: 10s
      steps:
        - {commands: ["echo 1", "echo 2"]}
        - {executor: tool, commands: ["echo 3"]}
)");
  ASSERT_EQ(worker_.assigned.size(), 1u);
  const protocol::Assignment& a = worker_.assigned[0];
  EXPECT_EQ(a.job_id, job);
  EXPECT_EQ(a.task_name, "t");
  EXPECT_EQ(a.attempt_number, 1);
  EXPECT_EQ(a.timeout, Millis(10'000));
  ASSERT_EQ(a.steps.size(), 2u);
  EXPECT_THAT(a.steps[0].commands, ElementsAre("echo 1", "echo 2"));
  EXPECT_EQ(a.steps[1].executor, "tool");
  EXPECT_EQ(Task(job, "t").state, TaskState::kAssigned);
}

TEST_F(SchedulerTest, SlotsLimitConcurrency) {
  AddWorker("w1", 2);
  std::string job = Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: wide}
spec:
  tasks:
    - {name: a, steps: [{commands: ["true"]}]}
    - {name: b, steps: [{commands: ["true"]}]}
    - {name: c, steps: [{commands: ["true"]}]}
)");
  EXPECT_THAT(AssignedTasks(), ElementsAre("a", "b"));
  EXPECT_EQ(StateOf(job, "c"), TaskState::kQueued);
  RunTask("a");
  EXPECT_THAT(AssignedTasks(), ElementsAre("b", "c"));
}

TEST_F(SchedulerTest, HigherPriorityFirstThenFirstComeFirstServed) {
  AddWorker("w1", 1);
  Submit(OneTask("blocker"));
  auto blocker = Start("t");
  std::string low1 = Submit(OneTask("low1"));
  std::string low2 = Submit(OneTask("low2"));
  std::string high = Submit(OneTask("high", 5));
  Finish(blocker, Outcome::kSucceeded);
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(worker_.assigned[0].job_id, high);
  RunTask("t");
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(worker_.assigned[0].job_id, low1);
  RunTask("t");
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(worker_.assigned[0].job_id, low2);
}

TEST_F(SchedulerTest, NodeSelectorPlacesOnMatchingWorkerOnly) {
  FakeWorker gpu;
  AddWorker("plain", 2);
  AddWorker("gpu-box", 1, {{"gpu", "yes"}}, &gpu);
  std::string job = Submit(OneTask("sel", 0, "      nodeSelector: {gpu: \"yes\"}\n"));
  EXPECT_THAT(worker_.assigned, IsEmpty());
  ASSERT_EQ(gpu.assigned.size(), 1u);
  EXPECT_EQ(Task(job, "t").worker, "gpu-box");
}

TEST_F(SchedulerTest, UnplaceableTaskDoesNotBlockOthers) {
  AddWorker("w1", 1);
  std::string stuck = Submit(OneTask("stuck", 9, "      nodeSelector: {zone: mars}\n"));
  std::string ok = Submit(OneTask("ok"));
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(worker_.assigned[0].job_id, ok);
  EXPECT_EQ(StateOf(stuck, "t"), TaskState::kQueued);
}

TEST_F(SchedulerTest, BuiltInWorkerNameLabel) {
  FakeWorker other;
  AddWorker("w1", 1);
  AddWorker("w2", 1, {}, &other);
  Submit(OneTask("pinned", 0, "      nodeSelector: {pipegrid.io/worker: w2}\n"));
  EXPECT_THAT(worker_.assigned, IsEmpty());
  EXPECT_EQ(other.assigned.size(), 1u);
}

TEST_F(SchedulerTest, IdempotentSubmitByExternalId) {
  AddWorker("w1", 1);
  std::string spec = R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: once, externalId: order-4711}
spec:
  tasks: [{name: t, steps: [{commands: ["true"]}]}]
)";
  auto first = SubmitYaml(spec);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->created);
  auto again = SubmitYaml(spec);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->job_id, first->job_id);
  EXPECT_EQ(worker_.assigned.size(), 1u);  // ran once

  std::string changed = spec;
  changed.replace(changed.find("\"true\""), 6, "\"false\"");
  auto conflict = SubmitYaml(changed);
  EXPECT_THAT(conflict, StatusIs(StatusCode::kAlreadyExists));
  EXPECT_NE(conflict.status().message().find(first->job_id), std::string::npos);

  // Still idempotent once the job finished and left memory.
  RunTask("t");
  auto after = SubmitYaml(spec);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->job_id, first->job_id);
  EXPECT_FALSE(after->created);
}

TEST_F(SchedulerTest, LegacyJobIsNamedAfterItsId) {
  AddWorker("w1", 1);
  auto spec = spec::ParseJobSpec(R"({"pipeline":[{"executorName":"wget","commands":["true"]}]})",
                                 spec::BodyFormat::kJson);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  Result<SubmitResult> r = Internal("no reply");
  scheduler_->Submit(std::move(*spec), [&](Result<SubmitResult> x) { r = std::move(x); });
  Run();
  ASSERT_TRUE(r.ok());
  store::JobRecord job = Job(r->job_id);
  EXPECT_EQ(job.name, "legacy-" + r->job_id);
  EXPECT_EQ(job.namespace_, "default");
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(worker_.assigned[0].task_name, "main");
  EXPECT_EQ(worker_.assigned[0].steps[0].executor, "wget");
}

TEST_F(SchedulerTest, EventsRecordEveryTransition) {
  AddWorker("w1", 1);
  std::string job = Submit(OneTask("ev"));
  RunTask("t");
  auto events = store_->ListEvents({job, 0, 1000});
  ASSERT_TRUE(events.ok());
  std::vector<std::string> seen;
  for (const auto& e : *events) seen.push_back(e.type + ":" + e.from + ">" + e.to);
  EXPECT_THAT(seen, ElementsAre("job:>PENDING", "task:PENDING>QUEUED", "task:QUEUED>ASSIGNED",
                                "task:ASSIGNED>RUNNING", "job:PENDING>RUNNING",
                                "attempt:>succeeded", "task:RUNNING>SUCCEEDED",
                                "job:RUNNING>SUCCEEDED"));
  for (size_t i = 1; i < events->size(); ++i) EXPECT_GT((*events)[i].seq, (*events)[i - 1].seq);
}

TEST_F(SchedulerTest, DrainedWorkerTakesNothingNewButFinishesWhatRuns) {
  FakeWorker other;
  AddWorker("w1", 1);
  AddWorker("w2", 1, {}, &other);
  EXPECT_THAT(Call([&](auto r) { scheduler_->DrainWorker("w2", r); }), IsOk());
  EXPECT_THAT(Call([&](auto r) { scheduler_->DrainWorker("nope", r); }),
              StatusIs(StatusCode::kNotFound));
  std::string a = Submit(OneTask("a"));
  std::string b = Submit(OneTask("b"));
  EXPECT_THAT(other.assigned, IsEmpty());
  ASSERT_EQ(worker_.assigned.size(), 1u);
  EXPECT_EQ(StateOf(b, "t"), TaskState::kQueued);
  std::vector<WorkerInfo> workers;
  scheduler_->ListWorkers([&](std::vector<WorkerInfo> w) { workers = std::move(w); });
  Run();
  ASSERT_EQ(workers.size(), 2u);
  EXPECT_EQ(workers[1].state, WorkerState::kDraining);
}

TEST_F(SchedulerTest, ZeroSlotsQueuesEverything) {
  AddWorker("w1", 0);
  std::string job = Submit(OneTask("queued"));
  EXPECT_THAT(worker_.assigned, IsEmpty());
  EXPECT_EQ(StateOf(job, "t"), TaskState::kQueued);
  EXPECT_EQ(scheduler_->counters().queue_depth.load(), 1);
}

}  // namespace
}  // namespace pipegrid::master::testing
