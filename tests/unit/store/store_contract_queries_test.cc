// Store contract, read side: job listing and paging, lookups by external id,
// recovery and retention queries, events, dead letters, counts.
#include <algorithm>

#include "unit/store/store_contract.h"

namespace pipegrid::store::testing {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::Pair;

std::vector<std::string> Ids(const std::vector<JobRecord>& jobs) {
  std::vector<std::string> ids;
  for (const JobRecord& j : jobs) ids.push_back(j.id);
  return ids;
}

std::vector<std::string> JobIds(Store& store, const JobFilter& filter) {
  Result<std::vector<JobRecord>> jobs = store.ListJobs(filter);
  EXPECT_THAT(jobs, IsOk());
  return jobs.ok() ? Ids(*jobs) : std::vector<std::string>{};
}

// j1..j5, oldest first; namespaces and labels vary.
Batch FiveJobs() {
  JobRecord j1 = BareJob("j1", JobState::kSucceeded, "a");
  j1.labels = {{"team", "data"}, {"tier", "gold"}};
  JobRecord j2 = BareJob("j2", JobState::kRunning, "a");
  j2.labels = {{"team", "data"}};
  JobRecord j3 = BareJob("j3", JobState::kFailed, "b");
  j3.labels = {{"team", "web"}, {"tier", "gold"}};
  JobRecord j4 = BareJob("j4", JobState::kPending, "b");
  JobRecord j5 = BareJob("j5", JobState::kCancelled, "a");
  j5.labels = {{"team", "data"}, {"tier", "gold"}};
  Batch batch;
  batch.put_jobs = {j3, j1, j5, j2, j4};  // insertion order must not matter
  return batch;
}

TEST_P(StoreContractTest, ListJobsIsNewestFirst) {
  MustApply(FiveJobs());
  EXPECT_THAT(JobIds(*store_, {}), ElementsAre("j5", "j4", "j3", "j2", "j1"));
}

TEST_P(StoreContractTest, ListJobsFiltersByState) {
  MustApply(FiveJobs());
  EXPECT_THAT(JobIds(*store_, {.states = {JobState::kRunning, JobState::kFailed}}),
              ElementsAre("j3", "j2"));
  EXPECT_THAT(JobIds(*store_, {.states = {JobState::kSucceeded}}), ElementsAre("j1"));
}

TEST_P(StoreContractTest, ListJobsRequiresEveryLabel) {
  MustApply(FiveJobs());
  EXPECT_THAT(JobIds(*store_, {.labels = {{"team", "data"}}}), ElementsAre("j5", "j2", "j1"));
  EXPECT_THAT(JobIds(*store_, {.labels = {{"team", "data"}, {"tier", "gold"}}}),
              ElementsAre("j5", "j1"));
  EXPECT_THAT(JobIds(*store_, {.labels = {{"team", "gold"}}}), IsEmpty());  // value of another key
  EXPECT_THAT(JobIds(*store_, {.labels = {{"tier", "data"}}}), IsEmpty());
}

TEST_P(StoreContractTest, ListJobsFiltersByNamespaceAndCombines) {
  MustApply(FiveJobs());
  EXPECT_THAT(JobIds(*store_, {.namespace_ = "b"}), ElementsAre("j4", "j3"));
  EXPECT_THAT(JobIds(*store_, {.states = {JobState::kSucceeded, JobState::kCancelled},
                               .labels = {{"tier", "gold"}},
                               .namespace_ = "a"}),
              ElementsAre("j5", "j1"));
  EXPECT_THAT(JobIds(*store_, {.namespace_ = "nobody"}), IsEmpty());
}

TEST_P(StoreContractTest, ListJobsPagesWithAfter) {
  MustApply(FiveJobs());
  EXPECT_THAT(JobIds(*store_, {.limit = 2}), ElementsAre("j5", "j4"));
  EXPECT_THAT(JobIds(*store_, {.limit = 2, .after = "j4"}), ElementsAre("j3", "j2"));
  EXPECT_THAT(JobIds(*store_, {.limit = 2, .after = "j2"}), ElementsAre("j1"));
  EXPECT_THAT(JobIds(*store_, {.limit = 2, .after = "j1"}), IsEmpty());
  // The token combines with filters: a page of namespace "a" after j5.
  EXPECT_THAT(JobIds(*store_, {.namespace_ = "a", .limit = 1, .after = "j5"}), ElementsAre("j2"));
}

TEST_P(StoreContractTest, ListJobsRejectsANonPositiveLimit) {
  EXPECT_THAT(store_->ListJobs({.limit = 0}), StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(StoreContractTest, GetJobByExternalIdIsScopedByNamespace) {
  JobRecord a = BareJob("j1", JobState::kPending, "a");
  a.external_id = "order-1";
  JobRecord b = BareJob("j2", JobState::kPending, "b");
  b.external_id = "order-1";  // the same external id in another namespace is fine
  JobRecord none1 = BareJob("j3", JobState::kPending, "a");
  JobRecord none2 = BareJob("j4", JobState::kPending, "a");  // empty ids never collide
  Batch batch;
  batch.put_jobs = {a, b, none1, none2};
  MustApply(batch);

  EXPECT_THAT(*store_->GetJobByExternalId("a", "order-1"), Optional(a));
  EXPECT_THAT(*store_->GetJobByExternalId("b", "order-1"), Optional(b));
  EXPECT_EQ(*store_->GetJobByExternalId("c", "order-1"), std::nullopt);
  EXPECT_EQ(*store_->GetJobByExternalId("a", "order-2"), std::nullopt);
  EXPECT_EQ(*store_->GetJobByExternalId("a", ""), std::nullopt);
}

TEST_P(StoreContractTest, UnfinishedJobsAreThePendingAndRunningOnes) {
  MustApply(FiveJobs());
  Result<std::vector<JobRecord>> jobs = store_->ListUnfinishedJobs();
  ASSERT_THAT(jobs, IsOk());
  std::vector<std::string> ids = Ids(*jobs);
  std::sort(ids.begin(), ids.end());
  EXPECT_THAT(ids, ElementsAre("j2", "j4"));
}

TEST_P(StoreContractTest, ExpiredJobsAreFinishedBeforeTheCutoffOldestFirst) {
  auto finished = [](const std::string& id, JobState state, int64_t at) {
    JobRecord j = BareJob(id, state);
    j.finished_at = At(at);
    return j;
  };
  Batch batch;
  batch.put_jobs = {finished("j1", JobState::kSucceeded, 3000),
                    finished("j2", JobState::kFailed, 1000),
                    finished("j3", JobState::kCancelled, 2000),
                    finished("j4", JobState::kSucceeded, 5000),  // after the cutoff
                    finished("j5", JobState::kRunning, 1000),    // not finished
                    BareJob("j6", JobState::kSucceeded)};        // no finished_at
  MustApply(batch);
  EXPECT_THAT(*store_->ListExpiredJobs(At(4000), 10), ElementsAre("j2", "j3", "j1"));
  EXPECT_THAT(*store_->ListExpiredJobs(At(4000), 2), ElementsAre("j2", "j3"));
  EXPECT_THAT(*store_->ListExpiredJobs(At(3000), 10), ElementsAre("j2", "j3"));  // strictly before
}

TEST_P(StoreContractTest, EventSeqIncreasesAcrossBatchesAndSinceFilters) {
  for (int round = 0; round < 3; ++round) {
    Batch batch;
    for (const char* job : {"j1", "j2"}) {
      EventRecord e = FullEvent(job);
      e.attempt = round;
      batch.events.push_back(e);
    }
    MustApply(batch);
  }
  Result<std::vector<EventRecord>> all = store_->ListEvents({});
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 6u);
  for (size_t i = 1; i < all->size(); ++i) EXPECT_GT((*all)[i].seq, (*all)[i - 1].seq);
  // Batch order is kept within a commit.
  EXPECT_EQ((*all)[0].job_id, "j1");
  EXPECT_EQ((*all)[1].job_id, "j2");

  Result<std::vector<EventRecord>> j1 = store_->ListEvents({.job_id = "j1"});
  ASSERT_THAT(j1, IsOk());
  ASSERT_EQ(j1->size(), 3u);
  EXPECT_EQ((*j1)[2].attempt, 2);

  Result<std::vector<EventRecord>> since =
      store_->ListEvents({.job_id = "j1", .since = (*j1)[0].seq});
  ASSERT_THAT(since, IsOk());
  ASSERT_EQ(since->size(), 2u);
  EXPECT_EQ((*since)[0], (*j1)[1]);

  Result<std::vector<EventRecord>> limited =
      store_->ListEvents({.since = (*all)[1].seq, .limit = 3});
  ASSERT_THAT(limited, IsOk());
  ASSERT_EQ(limited->size(), 3u);
  EXPECT_EQ((*limited)[0], (*all)[2]);
  EXPECT_THAT(*store_->ListEvents({.since = all->back().seq}), IsEmpty());
  EXPECT_EQ(*store_->LastEventSeq(), all->back().seq);
}

TEST_P(StoreContractTest, LastEventSeqIsZeroOnAnEmptyStore) {
  Result<int64_t> last = store_->LastEventSeq();
  ASSERT_THAT(last, IsOk());
  EXPECT_EQ(*last, 0);
}

TEST_P(StoreContractTest, EventSeqIsNotReusedAfterDeletion) {
  MustPutJob(BareJob("j1", JobState::kSucceeded));
  Batch add;
  add.events = {FullEvent("j1")};
  MustApply(add);
  int64_t first = store_->ListEvents({})->back().seq;
  Batch del;
  del.delete_jobs = {"j1"};
  MustApply(del);
  MustApply(add);
  // A follower resuming from `first` must see the new event.
  Result<std::vector<EventRecord>> events = store_->ListEvents({.since = first});
  ASSERT_THAT(events, IsOk());
  EXPECT_EQ(events->size(), 1u);
}

TEST_P(StoreContractTest, DeadLettersListByNamespaceWithPaging) {
  Batch batch;
  batch.put_jobs = {BareJob("j1")};
  for (const char* t : {"t3", "t1", "t4", "t2"}) batch.put_tasks.push_back(BareTask(t, "j1"));
  for (const char* t : {"t3", "t1", "t4", "t2"}) {
    DeadLetterRecord d = FullDeadLetter(t, "j1");
    d.namespace_ = (std::string(t) == "t4") ? "other" : "team-a";
    batch.put_dead_letters.push_back(d);
  }
  MustApply(batch);

  auto task_ids = [this](const DeadLetterFilter& filter) {
    std::vector<std::string> ids;
    Result<std::vector<DeadLetterRecord>> letters = store_->ListDeadLetters(filter);
    EXPECT_THAT(letters, IsOk());
    if (letters.ok()) {
      for (const DeadLetterRecord& d : *letters) ids.push_back(d.task_id);
    }
    return ids;
  };
  EXPECT_THAT(task_ids({}), ElementsAre("t1", "t2", "t3", "t4"));
  EXPECT_THAT(task_ids({.namespace_ = "team-a"}), ElementsAre("t1", "t2", "t3"));
  EXPECT_THAT(task_ids({.namespace_ = "team-a", .limit = 2}), ElementsAre("t1", "t2"));
  EXPECT_THAT(task_ids({.namespace_ = "team-a", .limit = 2, .after = "t2"}), ElementsAre("t3"));
  EXPECT_THAT(task_ids({.namespace_ = "other"}), ElementsAre("t4"));
  EXPECT_EQ(*store_->CountDeadLetters(), 4);

  Batch requeue;
  requeue.delete_dead_letters = {"t2"};
  MustApply(requeue);
  EXPECT_THAT(task_ids({}), ElementsAre("t1", "t3", "t4"));
  EXPECT_EQ(*store_->CountDeadLetters(), 3);
}

TEST_P(StoreContractTest, CountsCoverEveryStateIncludingZeros) {
  MustApply(FiveJobs());
  Batch batch;
  batch.put_tasks = {BareTask("t1", "j2"), BareTask("t2", "j2", 1), BareTask("t3", "j2", 2)};
  batch.put_tasks[2].state = TaskState::kRunning;
  AttemptRecord running = FullAttempt("a1", "t3", "j2");
  running.outcome = Outcome::kNone;
  batch.put_attempts = {FullAttempt("a0", "t1", "j2"), running, FullAttempt("a2", "t2", "j2")};
  batch.put_attempts[2].outcome = Outcome::kSucceeded;
  MustApply(batch);

  Result<std::map<std::string, int64_t>> jobs = store_->CountJobsByState();
  ASSERT_THAT(jobs, IsOk());
  EXPECT_THAT(*jobs, ElementsAre(Pair("CANCELLED", 1), Pair("FAILED", 1), Pair("PENDING", 1),
                                 Pair("RUNNING", 1), Pair("SUCCEEDED", 1)));

  Result<std::map<std::string, int64_t>> tasks = store_->CountTasksByState();
  ASSERT_THAT(tasks, IsOk());
  EXPECT_EQ(tasks->size(), kAllTaskStates.size());
  EXPECT_EQ(tasks->at("PENDING"), 2);
  EXPECT_EQ(tasks->at("RUNNING"), 1);
  EXPECT_EQ(tasks->at("SKIPPED"), 0);

  Result<std::map<std::string, int64_t>> j2 = store_->CountJobTasksByState("j2");
  ASSERT_THAT(j2, IsOk());
  EXPECT_EQ(j2->size(), kAllTaskStates.size());
  EXPECT_EQ(j2->at("PENDING"), 2);
  EXPECT_EQ(j2->at("RUNNING"), 1);
  EXPECT_EQ(j2->at("QUEUED"), 0);
  Result<std::map<std::string, int64_t>> j1 = store_->CountJobTasksByState("j1");
  ASSERT_THAT(j1, IsOk());
  EXPECT_EQ(j1->size(), kAllTaskStates.size());
  EXPECT_EQ(j1->at("PENDING"), 0);

  Result<std::map<std::string, int64_t>> outcomes = store_->CountAttemptsByOutcome();
  ASSERT_THAT(outcomes, IsOk());
  EXPECT_EQ(outcomes->size(), kAllOutcomes.size());  // unfinished attempts are not counted
  EXPECT_EQ(outcomes->at("signal"), 1);
  EXPECT_EQ(outcomes->at("succeeded"), 1);
  EXPECT_EQ(outcomes->at("oom"), 0);
}

}  // namespace

}  // namespace pipegrid::store::testing
