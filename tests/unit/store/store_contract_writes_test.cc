// Store contract, write side: every record round-trips, upserts replace,
// batches apply in the documented order and atomically, job deletion
// cascades.
#include "unit/store/store_contract.h"

namespace pipegrid::store::testing {
namespace {

using ::pipegrid::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Optional;

TEST_P(StoreContractTest, JobWithEveryFieldRoundTrips) {
  JobRecord job = FullJob("j1");
  MustPutJob(job);
  EXPECT_THAT(store_->GetJob("j1"), IsOk());
  EXPECT_THAT(*store_->GetJob("j1"), Optional(job));
}

TEST_P(StoreContractTest, JobWithOptionalsUnsetRoundTrips) {
  JobRecord job = BareJob("j1");
  MustPutJob(job);
  Result<std::optional<JobRecord>> got = store_->GetJob("j1");
  ASSERT_THAT(got, IsOk());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, job);
  EXPECT_FALSE((*got)->started_at.has_value());
  EXPECT_FALSE((*got)->finished_at.has_value());
  EXPECT_THAT((*got)->labels, IsEmpty());
}

TEST_P(StoreContractTest, MissingJobIsEmptyNotAnError) {
  Result<std::optional<JobRecord>> got = store_->GetJob("nope");
  ASSERT_THAT(got, IsOk());
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreContractTest, TasksRoundTripInSpecOrder) {
  TaskRecord full = FullTask("t-b", "j1", /*index=*/0);
  TaskRecord bare = BareTask("t-a", "j1", /*index=*/1);  // smaller id, later in the spec
  MustPutJob(BareJob("j1"), {bare, full});
  EXPECT_FALSE(bare.retry_at.has_value());
  Result<std::vector<TaskRecord>> tasks = store_->ListTasks("j1");
  ASSERT_THAT(tasks, IsOk());
  EXPECT_THAT(*tasks, ElementsAre(full, bare));
  EXPECT_THAT(*store_->ListTasks("other"), IsEmpty());
}

TEST_P(StoreContractTest, FanOutInstancesAndOutputsRoundTripInItemOrder) {
  TaskRecord task = FullTask("t-ocr", "j1", /*index=*/1);
  task.outputs = {{"out/a.txt", 12, std::string(64, 'a')}, {"b.txt", 0, std::string(64, 'b')}};
  TaskRecord second = BareTask("t-0", "j1", /*index=*/1);  // smaller id, later item
  second.name = "ocr[1]";
  second.parent = "ocr";
  second.item_index = 1;
  second.item = "page two";
  TaskRecord first = BareTask("t-1", "j1", /*index=*/1);
  first.name = "ocr[0]";
  first.parent = "ocr";
  first.item_index = 0;
  first.item = "page one";
  MustPutJob(BareJob("j1"), {second, task, first});
  Result<std::vector<TaskRecord>> tasks = store_->ListTasks("j1");
  ASSERT_THAT(tasks, IsOk());
  EXPECT_THAT(*tasks, ElementsAre(task, first, second));
}

TEST_P(StoreContractTest, AttemptsRoundTripByTaskThenNumber) {
  MustPutJob(BareJob("j1"), {BareTask("t2", "j1", 0), BareTask("t1", "j1", 1)});
  AttemptRecord full = FullAttempt("a1", "t2", "j1", /*number=*/2);
  AttemptRecord bare;  // running: no outcome, code, signal, pgid or end yet
  bare.id = "a2";
  bare.task_id = "t2";
  bare.job_id = "j1";
  bare.number = 1;
  AttemptRecord other = FullAttempt("a0", "t1", "j1", /*number=*/1);
  Batch batch;
  batch.put_attempts = {other, full, bare};
  MustApply(batch);
  Result<std::vector<AttemptRecord>> attempts = store_->ListAttempts("j1");
  ASSERT_THAT(attempts, IsOk());
  EXPECT_THAT(*attempts, ElementsAre(bare, full, other));
}

TEST_P(StoreContractTest, EventWithEveryFieldRoundTripsWithAssignedSeq) {
  EventRecord event = FullEvent("j1");
  event.seq = 999;  // ignored on input
  Batch batch;
  batch.events = {event};
  MustApply(batch);
  Result<std::vector<EventRecord>> events = store_->ListEvents({});
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_GT(events->front().seq, 0);
  event.seq = events->front().seq;
  EXPECT_EQ(events->front(), event);
}

TEST_P(StoreContractTest, DeadLetterRoundTrips) {
  MustPutJob(BareJob("j1"), {BareTask("t1", "j1")});
  DeadLetterRecord letter = FullDeadLetter("t1", "j1");
  Batch batch;
  batch.put_dead_letters = {letter};
  MustApply(batch);
  EXPECT_THAT(*store_->GetDeadLetter("t1"), Optional(letter));
  EXPECT_EQ(*store_->GetDeadLetter("t2"), std::nullopt);
}

TEST_P(StoreContractTest, PutReplacesEveryFieldOfAnExistingRow) {
  JobRecord job = FullJob("j1");
  TaskRecord task = FullTask("t1", "j1");
  AttemptRecord attempt = FullAttempt("a1", "t1", "j1");
  Batch first;
  first.put_jobs = {job};
  first.put_tasks = {task};
  first.put_attempts = {attempt};
  MustApply(first);

  job.state = JobState::kFailed;
  job.labels = {{"only", "this"}};
  job.started_at.reset();
  job.reason = "timeout";
  task.state = TaskState::kFailed;
  task.depends_on.clear();
  task.retry_at.reset();
  attempt.outcome = Outcome::kExit;
  attempt.signal.reset();
  attempt.pgid.reset();
  Batch second;
  second.put_jobs = {job};
  second.put_tasks = {task};
  second.put_attempts = {attempt};
  MustApply(second);

  EXPECT_THAT(*store_->GetJob("j1"), Optional(job));
  EXPECT_THAT(*store_->ListTasks("j1"), ElementsAre(task));
  // Replacing the job must not have cascaded to its children.
  EXPECT_THAT(*store_->ListAttempts("j1"), ElementsAre(attempt));
}

TEST_P(StoreContractTest, LaterPutOfTheSameRowInABatchWins) {
  JobRecord first = BareJob("j1");
  JobRecord second = BareJob("j1", JobState::kRunning);
  second.reason = "second";
  Batch batch;
  batch.put_jobs = {first, second};
  MustApply(batch);
  EXPECT_THAT(*store_->GetJob("j1"), Optional(second));
}

TEST_P(StoreContractTest, DeadLetterDeleteRunsBeforePutInOneBatch) {
  MustPutJob(BareJob("j1"), {BareTask("t1", "j1"), BareTask("t2", "j1", 1)});
  Batch setup;
  setup.put_dead_letters = {FullDeadLetter("t1", "j1"), FullDeadLetter("t2", "j1")};
  MustApply(setup);

  DeadLetterRecord again = FullDeadLetter("t1", "j1");
  again.attempts = 9;
  Batch batch;
  batch.delete_dead_letters = {"t1", "t2"};
  batch.put_dead_letters = {again};
  MustApply(batch);
  EXPECT_THAT(*store_->GetDeadLetter("t1"), Optional(again));
  EXPECT_EQ(*store_->GetDeadLetter("t2"), std::nullopt);
}

TEST_P(StoreContractTest, EmptyBatchSucceeds) { EXPECT_THAT(store_->Apply(Batch{}), IsOk()); }

TEST_P(StoreContractTest, DeleteJobCascadesToEverythingOfThatJobOnly) {
  for (const std::string id : {"j1", "j2"}) {
    Batch batch;
    batch.put_jobs = {BareJob(id, JobState::kFailed)};
    batch.put_tasks = {BareTask(id + "-t", id)};
    batch.put_attempts = {FullAttempt(id + "-a", id + "-t", id)};
    batch.put_dead_letters = {FullDeadLetter(id + "-t", id)};
    batch.events = {FullEvent(id)};
    MustApply(batch);
  }
  Batch del;
  del.delete_jobs = {"j1", "never-existed"};
  MustApply(del);

  EXPECT_EQ(*store_->GetJob("j1"), std::nullopt);
  EXPECT_THAT(*store_->ListTasks("j1"), IsEmpty());
  EXPECT_THAT(*store_->ListAttempts("j1"), IsEmpty());
  EXPECT_EQ(*store_->GetDeadLetter("j1-t"), std::nullopt);
  EXPECT_THAT(*store_->ListEvents({.job_id = "j1"}), IsEmpty());

  EXPECT_NE(*store_->GetJob("j2"), std::nullopt);
  EXPECT_EQ(store_->ListTasks("j2")->size(), 1u);
  EXPECT_EQ(store_->ListAttempts("j2")->size(), 1u);
  EXPECT_NE(*store_->GetDeadLetter("j2-t"), std::nullopt);
  EXPECT_EQ(store_->ListEvents({.job_id = "j2"})->size(), 1u);
}

TEST_P(StoreContractTest, JobDeleteRunsLastInABatch) {
  Batch batch;
  batch.put_jobs = {BareJob("j1")};
  batch.put_tasks = {BareTask("t1", "j1")};
  batch.events = {FullEvent("j1")};
  batch.delete_jobs = {"j1"};
  MustApply(batch);
  EXPECT_EQ(*store_->GetJob("j1"), std::nullopt);
  EXPECT_THAT(*store_->ListTasks("j1"), IsEmpty());
  EXPECT_THAT(*store_->ListEvents({}), IsEmpty());
}

TEST_P(StoreContractTest, FailedBatchLeavesNothingBehind) {
  JobRecord existing = BareJob("j0");
  existing.external_id = "order-1";
  MustPutJob(existing, {BareTask("t0", "j0")});

  // Everything up to the second job would succeed on its own; the second job
  // reuses a (namespace, externalId) and must take the whole batch down.
  JobRecord fresh = BareJob("j1");
  JobRecord duplicate = BareJob("j2");
  duplicate.external_id = "order-1";
  TaskRecord changed = BareTask("t0", "j0");
  changed.state = TaskState::kRunning;
  Batch batch;
  batch.put_jobs = {fresh, duplicate};
  batch.put_tasks = {changed, BareTask("t1", "j1")};
  batch.events = {FullEvent("j1")};
  batch.delete_jobs = {"j0"};
  EXPECT_THAT(store_->Apply(batch), Not(IsOk()));

  EXPECT_EQ(*store_->GetJob("j1"), std::nullopt);
  EXPECT_EQ(*store_->GetJob("j2"), std::nullopt);
  EXPECT_THAT(*store_->ListTasks("j1"), IsEmpty());
  EXPECT_THAT(*store_->ListEvents({}), IsEmpty());
  EXPECT_THAT(*store_->GetJob("j0"), Optional(existing));
  EXPECT_THAT(*store_->ListTasks("j0"), ElementsAre(BareTask("t0", "j0")));

  // The store is still usable after the failure.
  MustPutJob(fresh);
  EXPECT_THAT(*store_->GetJob("j1"), Optional(fresh));
}

TEST_P(StoreContractTest, TaskOfAMissingJobIsRefused) {
  Batch batch;
  batch.put_tasks = {BareTask("t1", "no-such-job")};
  EXPECT_THAT(store_->Apply(batch), Not(IsOk()));
  EXPECT_THAT(*store_->ListTasks("no-such-job"), IsEmpty());
}

}  // namespace
}  // namespace pipegrid::store::testing
