// GroupCommitter: merging, ordering, stats, failure fan-out, Stop().
#include "store/committer.h"

#include <chrono>
#include <future>
#include <thread>

#include "store/sqlite/sqlite_store.h"
#include "unit/store/store_contract.h"

namespace pipegrid::store::testing {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::pipegrid::testing::TempDir;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// Bounds every wait so a broken committer fails the test instead of hanging
// it; never reached when things work.
constexpr auto kDeadline = std::chrono::seconds(10);

// Wraps a real store. Apply can be held at a gate (the test decides when the
// "disk write" completes), can fail on demand, advances a FakeClock to model
// the commit's duration, and remembers what each call wrote.
class ControlledStore final : public Store {
 public:
  ControlledStore(Store& inner, FakeClock& clock) : inner_(inner), clock_(clock) {}

  Status Apply(const Batch& batch) override {
    std::unique_lock<std::mutex> lock(mu_);
    // Decided on entry, so a failure set while one Apply is held affects the
    // next one only.
    Status result = fail_with_;
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !gated_; });
    --waiting_;
    applied_.push_back(batch);
    clock_.Advance(std::chrono::milliseconds(250));
    lock.unlock();
    if (!result.ok()) return result;
    return inner_.Apply(batch);
  }

  void Gate() {
    std::lock_guard<std::mutex> lock(mu_);
    gated_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    gated_ = false;
    cv_.notify_all();
  }
  void FailWith(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_with_ = std::move(status);
  }
  // True once an Apply is held at the gate.
  bool WaitUntilHeld() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kDeadline, [this] { return waiting_ > 0; });
  }
  std::vector<Batch> applied() {
    std::lock_guard<std::mutex> lock(mu_);
    return applied_;
  }

  Result<std::optional<JobRecord>> GetJob(const std::string& id) override {
    return inner_.GetJob(id);
  }
  Result<std::optional<JobRecord>> GetJobByExternalId(const std::string& ns,
                                                      const std::string& ext) override {
    return inner_.GetJobByExternalId(ns, ext);
  }
  Result<std::vector<JobRecord>> ListJobs(const JobFilter& f) override {
    return inner_.ListJobs(f);
  }
  Result<std::vector<JobRecord>> ListUnfinishedJobs() override {
    return inner_.ListUnfinishedJobs();
  }
  Result<std::vector<std::string>> ListExpiredJobs(WallTime cutoff, int limit) override {
    return inner_.ListExpiredJobs(cutoff, limit);
  }
  Result<std::vector<TaskRecord>> ListTasks(const std::string& id) override {
    return inner_.ListTasks(id);
  }
  Result<std::vector<AttemptRecord>> ListAttempts(const std::string& id) override {
    return inner_.ListAttempts(id);
  }
  Result<std::vector<EventRecord>> ListEvents(const EventFilter& f) override {
    return inner_.ListEvents(f);
  }
  Result<std::vector<DeadLetterRecord>> ListDeadLetters(const DeadLetterFilter& f) override {
    return inner_.ListDeadLetters(f);
  }
  Result<std::optional<DeadLetterRecord>> GetDeadLetter(const std::string& id) override {
    return inner_.GetDeadLetter(id);
  }
  Result<std::map<std::string, int64_t>> CountJobsByState() override {
    return inner_.CountJobsByState();
  }
  Result<std::map<std::string, int64_t>> CountTasksByState() override {
    return inner_.CountTasksByState();
  }
  Result<std::map<std::string, int64_t>> CountAttemptsByOutcome() override {
    return inner_.CountAttemptsByOutcome();
  }
  Result<std::map<std::string, int64_t>> CountJobTasksByState(const std::string& job_id) override {
    return inner_.CountJobTasksByState(job_id);
  }
  Result<int64_t> CountDeadLetters() override { return inner_.CountDeadLetters(); }
  Result<int64_t> LastEventSeq() override { return inner_.LastEventSeq(); }
  Status PutToken(const TokenRecord& t) override { return inner_.PutToken(t); }
  Result<std::optional<TokenRecord>> GetToken(const std::string& id) override {
    return inner_.GetToken(id);
  }
  Result<std::optional<TokenRecord>> GetTokenBySecretHash(const std::string& h) override {
    return inner_.GetTokenBySecretHash(h);
  }
  Result<std::vector<TokenRecord>> ListTokens() override { return inner_.ListTokens(); }
  Status RevokeToken(const std::string& id, WallTime at) override {
    return inner_.RevokeToken(id, at);
  }

 private:
  Store& inner_;
  FakeClock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool gated_ = false;          // guarded by mu_
  int waiting_ = 0;             // guarded by mu_
  Status fail_with_;            // guarded by mu_
  std::vector<Batch> applied_;  // guarded by mu_
};

// Collects done callbacks; waits until a number of them have run.
class Outcomes {
 public:
  Committer::Done Callback(std::string name) {
    return [this, name = std::move(name)](Status status) {
      std::lock_guard<std::mutex> lock(mu_);
      order_.push_back(name);
      codes_.push_back(status.code());
      cv_.notify_all();
    };
  }
  bool WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return order_.size() >= n; });
  }
  std::vector<std::string> order() {
    std::lock_guard<std::mutex> lock(mu_);
    return order_;
  }
  std::vector<StatusCode> codes() {
    std::lock_guard<std::mutex> lock(mu_);
    return codes_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> order_;  // guarded by mu_
  std::vector<StatusCode> codes_;   // guarded by mu_
};

Batch JobBatch(const std::string& id) {
  Batch batch;
  batch.put_jobs = {BareJob(id)};
  return batch;
}

std::vector<std::string> JobIdsIn(const Batch& batch) {
  std::vector<std::string> ids;
  for (const JobRecord& j : batch.put_jobs) ids.push_back(j.id);
  return ids;
}

class GroupCommitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Store>> opened = OpenSqliteStore(dir_.Sub("pipegrid.db"));
    ASSERT_THAT(opened, IsOk());
    sqlite_ = std::move(opened).value();
    store_ = std::make_unique<ControlledStore>(*sqlite_, clock_);
  }
  bool Stored(const std::string& job_id) {
    Result<std::optional<JobRecord>> job = sqlite_->GetJob(job_id);
    return job.ok() && job->has_value();
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> sqlite_;
  std::unique_ptr<ControlledStore> store_;
  Outcomes outcomes_;
};

TEST_F(GroupCommitterTest, BatchesSubmittedDuringACommitShareTheNextOne) {
  GroupCommitter committer(*store_, clock_);
  store_->Gate();
  committer.Commit(JobBatch("first"), outcomes_.Callback("first"));
  ASSERT_TRUE(store_->WaitUntilHeld());

  std::vector<std::thread> submitters;
  for (const std::string id : {"a", "b", "c", "d"}) {
    submitters.emplace_back([&, id] { committer.Commit(JobBatch(id), outcomes_.Callback(id)); });
  }
  for (std::thread& t : submitters) t.join();
  store_->Release();
  ASSERT_TRUE(outcomes_.WaitFor(5));

  EXPECT_THAT(outcomes_.codes(), Each(StatusCode::kOk));
  std::vector<Batch> applied = store_->applied();
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_THAT(JobIdsIn(applied[0]), ElementsAre("first"));
  EXPECT_THAT(JobIdsIn(applied[1]), UnorderedElementsAre("a", "b", "c", "d"));
  CommitStats stats = committer.stats();
  EXPECT_EQ(stats.commits, 2u);
  EXPECT_EQ(stats.batches, 5u);
  EXPECT_LT(stats.commits, stats.batches);
  for (const char* id : {"first", "a", "b", "c", "d"}) EXPECT_TRUE(Stored(id)) << id;
}

TEST_F(GroupCommitterTest, CallbacksRunInSubmissionOrderAndBatchesMergeInOrder) {
  GroupCommitter committer(*store_, clock_);
  store_->Gate();
  committer.Commit(JobBatch("first"), outcomes_.Callback("first"));
  ASSERT_TRUE(store_->WaitUntilHeld());
  // The same job written twice: the later batch's row must win.
  JobRecord later = BareJob("x", JobState::kRunning);
  Batch second;
  second.put_jobs = {later};
  committer.Commit(JobBatch("x"), outcomes_.Callback("x1"));
  committer.Commit(JobBatch("y"), outcomes_.Callback("y"));
  committer.Commit(std::move(second), outcomes_.Callback("x2"));
  store_->Release();
  ASSERT_TRUE(outcomes_.WaitFor(4));

  EXPECT_THAT(outcomes_.order(), ElementsAre("first", "x1", "y", "x2"));
  std::vector<Batch> applied = store_->applied();
  ASSERT_EQ(applied.size(), 2u);
  // x's first row is overwritten in the same transaction: only the later one
  // is written (Batch::DropOverwritten).
  EXPECT_THAT(JobIdsIn(applied[1]), ElementsAre("y", "x"));
  EXPECT_EQ(sqlite_->GetJob("x")->value().state, JobState::kRunning);
}

TEST_F(GroupCommitterTest, ALazyBatchSharesTheNextUrgentCommitInOrder) {
  GroupCommitter committer(*store_, clock_, std::chrono::hours(1));
  committer.CommitLazily(JobBatch("lazy"), outcomes_.Callback("lazy"));
  committer.Commit(JobBatch("urgent"), outcomes_.Callback("urgent"));
  ASSERT_TRUE(outcomes_.WaitFor(2));

  EXPECT_THAT(outcomes_.order(), ElementsAre("lazy", "urgent"));
  std::vector<Batch> applied = store_->applied();
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_THAT(JobIdsIn(applied[0]), ElementsAre("lazy", "urgent"));
}

TEST_F(GroupCommitterTest, ALoneLazyBatchIsCommittedOnceItsDelayHasPassed) {
  GroupCommitter committer(*store_, clock_, std::chrono::milliseconds(50));
  committer.CommitLazily(JobBatch("lazy"), outcomes_.Callback("lazy"));
  clock_.Advance(Millis(50));
  ASSERT_TRUE(outcomes_.WaitFor(1));
  EXPECT_TRUE(Stored("lazy"));
}

TEST_F(GroupCommitterTest, StopCommitsLazyBatchesAtOnce) {
  auto committer = std::make_unique<GroupCommitter>(*store_, clock_, std::chrono::hours(1));
  committer->CommitLazily(JobBatch("lazy"), outcomes_.Callback("lazy"));
  committer->Stop();
  ASSERT_TRUE(outcomes_.WaitFor(1));
  EXPECT_THAT(outcomes_.codes(), Each(StatusCode::kOk));
  EXPECT_TRUE(Stored("lazy"));
}

TEST_F(GroupCommitterTest, WithoutALazyDelayCommitLazilyIsCommit) {
  GroupCommitter committer(*store_, clock_);
  committer.CommitLazily(JobBatch("a"), outcomes_.Callback("a"));
  ASSERT_TRUE(outcomes_.WaitFor(1));
  EXPECT_TRUE(Stored("a"));
}

TEST_F(GroupCommitterTest, CommitSecondsComeFromTheInjectedClock) {
  GroupCommitter committer(*store_, clock_);
  committer.Commit(JobBatch("a"), outcomes_.Callback("a"));
  ASSERT_TRUE(outcomes_.WaitFor(1));
  committer.Commit(JobBatch("b"), outcomes_.Callback("b"));
  ASSERT_TRUE(outcomes_.WaitFor(2));
  CommitStats stats = committer.stats();
  EXPECT_EQ(stats.commits, 2u);
  EXPECT_EQ(stats.batches, 2u);
  EXPECT_DOUBLE_EQ(stats.commit_seconds, 0.5);  // ControlledStore: 250ms per Apply
}

TEST_F(GroupCommitterTest, AFailedApplyIsReportedToEveryBatchOfThatCommitOnly) {
  GroupCommitter committer(*store_, clock_);
  store_->Gate();
  committer.Commit(JobBatch("first"), outcomes_.Callback("first"));
  ASSERT_TRUE(store_->WaitUntilHeld());
  committer.Commit(JobBatch("a"), outcomes_.Callback("a"));
  committer.Commit(JobBatch("b"), outcomes_.Callback("b"));
  // Set while `first` is already inside Apply: only the merged a+b fails.
  store_->FailWith(Unavailable("disk on fire"));
  store_->Release();
  ASSERT_TRUE(outcomes_.WaitFor(3));

  EXPECT_THAT(outcomes_.order(), ElementsAre("first", "a", "b"));
  EXPECT_THAT(outcomes_.codes(),
              ElementsAre(StatusCode::kOk, StatusCode::kUnavailable, StatusCode::kUnavailable));
  EXPECT_TRUE(Stored("first"));
  EXPECT_EQ(store_->applied().size(), 2u);
  EXPECT_FALSE(Stored("a"));
  EXPECT_FALSE(Stored("b"));
}

TEST_F(GroupCommitterTest, FailureOfOneCommitDoesNotStickToTheNext) {
  GroupCommitter committer(*store_, clock_);
  store_->FailWith(Internal("once"));
  committer.Commit(JobBatch("a"), outcomes_.Callback("a"));
  ASSERT_TRUE(outcomes_.WaitFor(1));
  store_->FailWith(Status::Ok());
  committer.Commit(JobBatch("b"), outcomes_.Callback("b"));
  ASSERT_TRUE(outcomes_.WaitFor(2));
  EXPECT_THAT(outcomes_.codes(), ElementsAre(StatusCode::kInternal, StatusCode::kOk));
  EXPECT_TRUE(Stored("b"));
}

TEST_F(GroupCommitterTest, StopCommitsWhatIsPendingBeforeReturning) {
  GroupCommitter committer(*store_, clock_);
  store_->Gate();
  committer.Commit(JobBatch("first"), outcomes_.Callback("first"));
  ASSERT_TRUE(store_->WaitUntilHeld());
  committer.Commit(JobBatch("a"), outcomes_.Callback("a"));
  committer.Commit(JobBatch("b"), outcomes_.Callback("b"));
  // Stop() must wait for the held commit and then flush a and b.
  std::future<void> stopped = std::async(std::launch::async, [&] { committer.Stop(); });
  store_->Release();
  ASSERT_EQ(stopped.wait_for(kDeadline), std::future_status::ready);

  // Everything ran before Stop() returned: no waiting here.
  EXPECT_THAT(outcomes_.order(), ElementsAre("first", "a", "b"));
  EXPECT_THAT(outcomes_.codes(), Each(StatusCode::kOk));
  EXPECT_TRUE(Stored("a"));
  EXPECT_TRUE(Stored("b"));
}

TEST_F(GroupCommitterTest, CommitAfterStopIsUnavailableAtOnce) {
  GroupCommitter committer(*store_, clock_);
  committer.Stop();
  committer.Stop();  // idempotent
  committer.Commit(JobBatch("late"), outcomes_.Callback("late"));
  // Answered inline, before Commit returned.
  EXPECT_THAT(outcomes_.codes(), ElementsAre(StatusCode::kUnavailable));
  EXPECT_TRUE(store_->applied().empty());
  EXPECT_FALSE(Stored("late"));
  EXPECT_EQ(committer.stats().batches, 0u);
}

TEST_F(GroupCommitterTest, DestructorFlushesPendingBatches) {
  {
    GroupCommitter committer(*store_, clock_);
    for (int i = 0; i < 20; ++i) {
      std::string id = "j" + std::to_string(i);
      committer.Commit(JobBatch(id), outcomes_.Callback(id));
    }
  }
  EXPECT_EQ(outcomes_.order().size(), 20u);
  EXPECT_THAT(outcomes_.codes(), Each(StatusCode::kOk));
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(Stored("j" + std::to_string(i)));
}

TEST_F(GroupCommitterTest, ACallbackMayCommitAgain) {
  GroupCommitter committer(*store_, clock_);
  committer.Commit(JobBatch("a"), [&](Status status) {
    outcomes_.Callback("a")(status);
    committer.Commit(JobBatch("b"), outcomes_.Callback("b"));
  });
  ASSERT_TRUE(outcomes_.WaitFor(2));
  EXPECT_THAT(outcomes_.order(), ElementsAre("a", "b"));
  EXPECT_TRUE(Stored("b"));
}

TEST(InlineCommitterTest, AppliesOnTheCallingThread) {
  TempDir dir;
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(dir.Sub("pipegrid.db"));
  ASSERT_THAT(store, IsOk());
  InlineCommitter committer(**store);
  Status seen = Internal("not called");
  committer.Commit(JobBatch("a"), [&](Status s) { seen = s; });
  EXPECT_THAT(seen, IsOk());
  EXPECT_NE(*(*store)->GetJob("a"), std::nullopt);
}

}  // namespace
}  // namespace pipegrid::store::testing
