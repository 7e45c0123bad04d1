// Batch::Append: merging batches must equal applying them one after another.
#include "store/records.h"

#include "unit/store/store_contract.h"

namespace pipegrid::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(BatchAppendTest, ConcatenatesEveryListInOrder) {
  Batch a;
  a.put_jobs = {BareJob("j1")};
  a.put_tasks = {BareTask("t1", "j1")};
  a.events = {FullEvent("j1")};
  a.delete_jobs = {"old1"};
  Batch b;
  b.put_jobs = {BareJob("j2")};
  b.put_attempts = {FullAttempt("a1", "t1", "j1")};
  b.delete_dead_letters = {"t9"};
  b.put_dead_letters = {FullDeadLetter("t8", "j1")};
  b.events = {FullEvent("j2")};
  b.delete_jobs = {"old2"};

  a.Append(std::move(b));
  EXPECT_THAT(a.put_jobs, ElementsAre(BareJob("j1"), BareJob("j2")));
  EXPECT_THAT(a.put_tasks, ElementsAre(BareTask("t1", "j1")));
  EXPECT_THAT(a.put_attempts, ElementsAre(FullAttempt("a1", "t1", "j1")));
  EXPECT_THAT(a.delete_dead_letters, ElementsAre("t9"));
  EXPECT_THAT(a.put_dead_letters, ElementsAre(FullDeadLetter("t8", "j1")));
  ASSERT_EQ(a.events.size(), 2u);
  EXPECT_EQ(a.events[0].job_id, "j1");
  EXPECT_EQ(a.events[1].job_id, "j2");
  EXPECT_THAT(a.delete_jobs, ElementsAre("old1", "old2"));
}

TEST(BatchAppendTest, AppendingToAnEmptyBatchGivesTheOther) {
  Batch merged;
  Batch b;
  b.put_jobs = {BareJob("j1")};
  merged.Append(std::move(b));
  EXPECT_THAT(merged.put_jobs, ElementsAre(BareJob("j1")));
  EXPECT_FALSE(merged.empty());
}

// A task fails for good (letter put), then is requeued (letter deleted), both
// in one group commit: the letter must end up deleted, as it would if the
// two batches were applied one after the other.
TEST(BatchAppendTest, ALaterDeadLetterDeleteCancelsAnEarlierPut) {
  Batch failed;
  failed.put_dead_letters = {FullDeadLetter("t1", "j1"), FullDeadLetter("t2", "j1")};
  Batch requeued;
  requeued.delete_dead_letters = {"t1"};
  failed.Append(std::move(requeued));
  EXPECT_THAT(failed.delete_dead_letters, ElementsAre("t1"));
  EXPECT_THAT(failed.put_dead_letters, ElementsAre(FullDeadLetter("t2", "j1")));
}

TEST(BatchAppendTest, ALaterDeadLetterPutSurvivesAnEarlierDelete) {
  Batch requeued;
  requeued.delete_dead_letters = {"t1"};
  Batch failed_again;
  failed_again.put_dead_letters = {FullDeadLetter("t1", "j1")};
  requeued.Append(std::move(failed_again));
  // Apply deletes first, then puts: the new letter stays.
  EXPECT_THAT(requeued.delete_dead_letters, ElementsAre("t1"));
  EXPECT_THAT(requeued.put_dead_letters, ElementsAre(FullDeadLetter("t1", "j1")));
}

TEST(BatchDropOverwrittenTest, KeepsTheLastPutOfEachRowAndEveryEvent) {
  Batch b;
  TaskRecord queued = BareTask("t1", "j1");
  TaskRecord running = queued;
  running.state = TaskState::kRunning;
  TaskRecord done = queued;
  done.state = TaskState::kSucceeded;
  b.put_jobs = {BareJob("j1"), BareJob("j2"), BareJob("j1")};
  b.put_tasks = {queued, BareTask("t2", "j1"), running, done};
  AttemptRecord started = FullAttempt("a1", "t1", "j1");
  AttemptRecord finished = started;
  finished.outcome = Outcome::kSucceeded;
  b.put_attempts = {started, finished};
  b.events = {FullEvent("j1"), FullEvent("j1"), FullEvent("j1")};

  b.DropOverwritten();
  EXPECT_THAT(b.put_jobs, ElementsAre(BareJob("j2"), BareJob("j1")));
  EXPECT_THAT(b.put_tasks, ElementsAre(BareTask("t2", "j1"), done));
  EXPECT_THAT(b.put_attempts, ElementsAre(finished));
  EXPECT_EQ(b.events.size(), 3u);  // history: every one stays
}

TEST(BatchDropOverwrittenTest, ShortIdsSurviveTheMove) {
  // Ids short enough for the small-string buffer: the marks must not be
  // views into strings that were moved away.
  Batch b;
  for (int round = 0; round < 3; ++round) {
    for (const char* id : {"a", "b", "c"}) b.put_tasks.push_back(BareTask(id, "j"));
  }
  b.DropOverwritten();
  ASSERT_EQ(b.put_tasks.size(), 3u);
  EXPECT_EQ(b.put_tasks[0].id, "a");
  EXPECT_EQ(b.put_tasks[1].id, "b");
  EXPECT_EQ(b.put_tasks[2].id, "c");
}

TEST(BatchAppendTest, EmptyMeansNothingInAnyList) {
  Batch batch;
  EXPECT_TRUE(batch.empty());
  batch.delete_jobs = {"j1"};
  EXPECT_FALSE(batch.empty());
  Batch other;
  other.Append(Batch{});
  EXPECT_TRUE(other.empty());
  EXPECT_THAT(other.put_jobs, IsEmpty());
}

}  // namespace
}  // namespace pipegrid::store::testing
