// A scheduler on a FakeClock and a hand-driven loop, with a real SQLite store
// in a temp dir and a fake worker that records what it is told. Tests decide
// when attempts start and finish; nothing sleeps.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "common/ids.h"
#include "master/scheduler.h"
#include "spec/job_spec.h"
#include "store/committer.h"
#include "store/sqlite/sqlite_store.h"
#include "support/test_util.h"

namespace pipegrid::master::testing {

class FakeWorker : public protocol::WorkerChannel {
 public:
  void Assign(protocol::Assignment msg) override { assigned.push_back(std::move(msg)); }
  void Stop(protocol::StopRequest msg) override { stops.push_back(msg); }
  void ReleaseJob(const std::string& job_id) override { released.push_back(job_id); }
  void Drain() override { ++drains; }
  void Close(const std::string& reason) override { closed.push_back(reason); }

  // Assignments not yet answered with Finished by the test.
  std::vector<protocol::Assignment> assigned;
  std::vector<protocol::StopRequest> stops;
  std::vector<std::string> released;
  int drains = 0;
  std::vector<std::string> closed;
};

// Applies batches at once, or, while `held`, keeps them until ReleaseAll():
// lets a test see what the scheduler says before its changes are durable.
class GateCommitter : public store::Committer {
 public:
  explicit GateCommitter(store::Store& store) : store_(store) {}
  void Commit(store::Batch batch, Done done) override {
    if (!held) return done(store_.Apply(batch));
    pending_.emplace_back(std::move(batch), std::move(done));
  }
  void ReleaseAll() {
    held = false;
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [batch, done] : pending) done(store_.Apply(batch));
  }
  bool held = false;

 private:
  store::Store& store_;
  std::vector<std::pair<store::Batch, Done>> pending_;
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override { Close(); }

  void Open() {
    auto store = store::OpenSqliteStore(dir_.Sub("pipegrid.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    committer_ = std::make_unique<GateCommitter>(*store_);
    loop_ = std::make_unique<EventLoop>(clock_);
    scheduler_ = std::make_unique<Scheduler>(*loop_, *store_, *committer_, ids_, options_);
  }
  void Close() {
    scheduler_.reset();
    loop_.reset();
    committer_.reset();
    store_.reset();
  }
  // A crash and restart: memory is gone, the store stays; a new worker joins.
  void Restart(int slots = 1) {
    Close();
    worker_ = FakeWorker();
    Open();
    Status s = scheduler_->Recover();
    ASSERT_TRUE(s.ok()) << s.ToString();
    AddWorker("w1", slots);
  }

  void Run() { loop_->RunPending(); }

  static SchedulerOptions DefaultOptions() {
    SchedulerOptions options;
    options.rng_seed = 42;
    options.cancel_grace = Millis(3000);
    // No leases: most tests move the fake clock far ahead without heartbeats.
    // Lease tests set options_.worker_timeout before Open().
    options.worker_timeout = Millis(0);
    return options;
  }

  void AddWorker(const std::string& name, int slots,
                 std::map<std::string, std::string> labels = {}, FakeWorker* worker = nullptr) {
    WorkerRegistration reg;
    reg.name = name;
    reg.slots = slots;
    reg.labels = std::move(labels);
    Status result = Internal("no reply");
    scheduler_->RegisterWorker(reg, worker != nullptr ? worker : &worker_,
                               [&](Status s) { result = s; });
    Run();
    ASSERT_TRUE(result.ok()) << result.ToString();
  }

  // A worker session as the gRPC service opens one (instance id, reports).
  Result<WorkerSession> Connect(WorkerRegistration reg, FakeWorker* worker) {
    Result<WorkerSession> out = Internal("no reply");
    scheduler_->ConnectWorker(std::move(reg), worker,
                              [&](Result<WorkerSession> s) { out = std::move(s); });
    Run();
    return out;
  }
  WorkerInfo Worker(const std::string& name) {
    std::vector<WorkerInfo> all;
    scheduler_->ListWorkers([&](std::vector<WorkerInfo> w) { all = std::move(w); });
    Run();
    for (auto& w : all) {
      if (w.name == name) return w;
    }
    ADD_FAILURE() << "no worker " << name;
    return {};
  }

  Result<SubmitResult> SubmitYaml(const std::string& yaml) {
    auto spec = spec::ParseJobSpec(yaml, spec::BodyFormat::kYaml);
    if (!spec.ok()) return spec.status();
    Result<SubmitResult> result = Internal("no reply");
    scheduler_->Submit(std::move(*spec), [&](Result<SubmitResult> r) { result = std::move(r); });
    Run();
    return result;
  }
  std::string Submit(const std::string& yaml) {
    auto r = SubmitYaml(yaml);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->job_id : "";
  }

  // Takes the pending assignment of `task`, reports it started.
  protocol::Assignment Start(const std::string& task) {
    auto it = std::find_if(worker_.assigned.begin(), worker_.assigned.end(),
                           [&](const auto& a) { return a.task_name == task; });
    EXPECT_NE(it, worker_.assigned.end()) << "no assignment for " << task;
    if (it == worker_.assigned.end()) return {};
    protocol::Assignment a = *it;
    worker_.assigned.erase(it);
    scheduler_->Started({a.attempt_id, 4242, clock_.Wall()});
    Run();
    return a;
  }
  void Finish(const protocol::Assignment& a, Outcome outcome, std::optional<int> code = {}) {
    protocol::AttemptFinished msg;
    msg.attempt_id = a.attempt_id;
    msg.outcome = outcome;
    msg.exit_code = code;
    msg.finished_at = clock_.Wall();
    scheduler_->Finished(msg);
    Run();
  }
  // Starts and finishes `task` with `outcome`.
  protocol::Assignment RunTask(const std::string& task, Outcome outcome = Outcome::kSucceeded,
                               std::optional<int> code = {}) {
    auto a = Start(task);
    Finish(a, outcome, code);
    return a;
  }

  std::vector<std::string> AssignedTasks() const {
    std::vector<std::string> names;
    for (const auto& a : worker_.assigned) names.push_back(a.task_name);
    std::sort(names.begin(), names.end());
    return names;
  }

  store::JobRecord Job(const std::string& id) {
    auto r = store_->GetJob(id);
    EXPECT_TRUE(r.ok() && r->has_value());
    return r.ok() && r->has_value() ? **r : store::JobRecord{};
  }
  store::TaskRecord Task(const std::string& job_id, const std::string& name) {
    auto tasks = store_->ListTasks(job_id);
    EXPECT_TRUE(tasks.ok());
    for (auto& t : *tasks) {
      if (t.name == name) return t;
    }
    ADD_FAILURE() << "no task " << name;
    return {};
  }
  TaskState StateOf(const std::string& job_id, const std::string& name) {
    return Task(job_id, name).state;
  }
  std::vector<store::AttemptRecord> Attempts(const std::string& job_id, const std::string& task) {
    std::string task_id = Task(job_id, task).id;
    auto all = store_->ListAttempts(job_id);
    EXPECT_TRUE(all.ok());
    std::vector<store::AttemptRecord> out;
    for (auto& a : *all) {
      if (a.task_id == task_id) out.push_back(a);
    }
    return out;
  }

  Status Call(std::function<void(Scheduler::Reply<Status>)> fn) {
    Status result = Internal("no reply");
    fn([&](Status s) { result = s; });
    Run();
    return result;
  }

  pipegrid::testing::TempDir dir_;
  FakeClock clock_;
  SchedulerOptions options_ = DefaultOptions();
  IdGenerator ids_{clock_};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<GateCommitter> committer_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<Scheduler> scheduler_;
  FakeWorker worker_;
};

}  // namespace pipegrid::master::testing
