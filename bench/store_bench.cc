// Store commits and reads on a real SQLite file (WAL, synchronous=NORMAL
// unless the benchmark says otherwise): the cost of one group commit holding
// one scheduler change, of one holding a hundred, and of the reads behind
// GET /jobs/{id}.
//
//   store_bench --benchmark_filter=Apply
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/time_format.h"
#include "store/sqlite/sqlite_store.h"

namespace pipegrid::store {
namespace {

constexpr int kTasksPerJob = 20;

// A fresh directory for one benchmark run, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pipegrid-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

JobRecord Job(const std::string& id) {
  JobRecord job;
  job.id = id;
  job.name = "bench";
  job.namespace_ = "default";
  job.labels = {{"team", "bench"}};
  job.state = JobState::kRunning;
  job.spec_json = R"({"apiVersion":"pipegrid/v1","kind":"Job"})";
  job.created_at = FromUnixMillis(1'700'000'000'000);
  job.started_at = job.created_at;
  return job;
}

TaskRecord Task(const std::string& job_id, int index) {
  TaskRecord task;
  task.id = job_id + "-t" + std::to_string(index);
  task.job_id = job_id;
  task.name = "task" + std::to_string(index);
  task.index = index;
  task.state = TaskState::kQueued;
  if (index > 0) task.depends_on = {"task" + std::to_string(index - 1)};
  return task;
}

// What one scheduler message typically writes: a task changes state and an
// event records it.
Batch TaskUpdate(const std::string& job_id, int index, int64_t n) {
  Batch batch;
  TaskRecord task = Task(job_id, index);
  task.state = (n % 2 == 0) ? TaskState::kRunning : TaskState::kQueued;
  task.worker = "w1";
  batch.put_tasks.push_back(task);
  EventRecord event;
  event.time = FromUnixMillis(1'700'000'000'000 + n);
  event.job_id = job_id;
  event.task = task.name;
  event.type = "task";
  event.from = "QUEUED";
  event.to = "RUNNING";
  batch.events.push_back(event);
  return batch;
}

std::unique_ptr<Store> OpenWithJob(const ScratchDir& dir, SyncMode sync, benchmark::State& state) {
  SqliteOptions options;
  options.sync = sync;
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(dir.File("bench.db"), options);
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return nullptr;
  }
  Batch batch;
  batch.put_jobs.push_back(Job("job1"));
  for (int i = 0; i < kTasksPerJob; ++i) batch.put_tasks.push_back(Task("job1", i));
  Status status = (*store)->Apply(batch);
  if (!status.ok()) {
    state.SkipWithError(status.ToString().c_str());
    return nullptr;
  }
  return std::move(store).value();
}

// Arg: number of task updates merged into one Apply (1: no group commit to
// speak of, 100: a busy scheduler). Arg 2: 0 NORMAL, 1 FULL.
void BM_Apply(benchmark::State& state) {
  const int merged = static_cast<int>(state.range(0));
  const SyncMode sync = state.range(1) == 0 ? SyncMode::kNormal : SyncMode::kFull;
  ScratchDir dir;
  std::unique_ptr<Store> store = OpenWithJob(dir, sync, state);
  if (store == nullptr) return;
  int64_t n = 0;
  for (auto _ : state) {
    state.PauseTiming();  // building the batch is the scheduler's cost, not the store's
    Batch batch;
    for (int i = 0; i < merged; ++i, ++n) batch.Append(TaskUpdate("job1", n % kTasksPerJob, n));
    state.ResumeTiming();
    Status status = store->Apply(batch);
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * merged);  // task updates per second
  state.counters["commits/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Apply)
    ->ArgNames({"merged", "full"})
    ->Args({1, 0})
    ->Args({100, 0})
    ->Args({1, 1})
    ->Args({100, 1})
    ->UseRealTime();

// GET /jobs/{id}: the job row and its tasks, from the read pool. With
// several threads they share one store, as HTTP threads do.
struct SharedStore {
  std::unique_ptr<ScratchDir> dir;
  std::unique_ptr<Store> store;
};
SharedStore shared;

void BM_GetJobAndTasks(benchmark::State& state) {
  // Thread 0 sets up before the loop and tears down after it; the loop's
  // start and end are barriers for all threads.
  if (state.thread_index() == 0) {
    shared.dir = std::make_unique<ScratchDir>();
    shared.store = OpenWithJob(*shared.dir, SyncMode::kNormal, state);
  }
  for (auto _ : state) {
    if (shared.store == nullptr) break;
    Result<std::optional<JobRecord>> job = shared.store->GetJob("job1");
    Result<std::vector<TaskRecord>> tasks = shared.store->ListTasks("job1");
    if (!job.ok() || !tasks.ok() || !job->has_value() || tasks->size() != kTasksPerJob) {
      state.SkipWithError("read failed");
      break;
    }
    benchmark::DoNotOptimize(tasks);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    shared.store.reset();
    shared.dir.reset();
  }
}
BENCHMARK(BM_GetJobAndTasks)->ThreadRange(1, 4)->UseRealTime();

}  // namespace
}  // namespace pipegrid::store

BENCHMARK_MAIN();
