// Scheduler transitions per second with a fake worker (issue 6): one job of
// N independent tasks, each taken QUEUED -> ASSIGNED -> RUNNING -> SUCCEEDED
// by a worker that reports Started and Finished the moment it is assigned.
// The loop is driven by hand on this thread (EventLoop::RunPending), so the
// figure is the scheduler's own work plus its store commits: with the real
// SQLite store (group-committed inline, synchronous=NORMAL) and without any
// process, thread hop or gRPC. items_per_second counts tasks; each is three
// transitions and ten rows (task, attempt and event writes).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <deque>
#include <filesystem>
#include <string>

#include "common/clock.h"
#include "common/event_loop.h"
#include "common/ids.h"
#include "master/scheduler.h"
#include "spec/job_spec.h"
#include "store/committer.h"
#include "store/sqlite/sqlite_store.h"

#include <spdlog/spdlog.h>

namespace pipegrid::master {
namespace {

// Answers every assignment at once: Started, then Finished(succeeded).
class EagerWorker : public protocol::WorkerChannel {
 public:
  void Assign(protocol::Assignment msg) override { assigned.push_back(std::move(msg)); }
  void Stop(protocol::StopRequest) override {}
  void ReleaseJob(const std::string&) override {}
  std::deque<protocol::Assignment> assigned;
};

std::string FanOutSpec(int n) {
  std::string yaml = "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: fan}\nspec:\n  tasks:\n";
  for (int i = 0; i < n; ++i) {
    yaml += "    - {name: t" + std::to_string(i) + ", steps: [{commands: [\"true\"]}]}\n";
  }
  return yaml;
}

void BM_SchedulerTasksThroughFakeWorker(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);  // one info line per job state otherwise
  const int tasks = static_cast<int>(state.range(0));
  const int slots = static_cast<int>(state.range(1));
  std::string tmpl = (std::filesystem::temp_directory_path() / "pipegrid-bench-XXXXXX").string();
  PG_CHECK(::mkdtemp(tmpl.data()) != nullptr);
  auto store = store::OpenSqliteStore(tmpl + "/pipegrid.db");
  PG_CHECK(store.ok());
  const SystemClock& clock = SystemClock::Instance();
  store::InlineCommitter committer(**store);
  EventLoop loop(clock);
  IdGenerator ids(clock);
  SchedulerOptions options;
  options.worker_timeout = Millis(0);
  Scheduler scheduler(loop, **store, committer, ids, options);
  EagerWorker worker;
  WorkerRegistration reg;
  reg.name = "w1";
  reg.slots = slots;
  reg.prefetch = slots;
  scheduler.RegisterWorker(reg, &worker, [](Status s) { PG_CHECK_OK(s); });
  loop.RunPending();
  auto spec = spec::ParseJobSpec(FanOutSpec(tasks), spec::BodyFormat::kYaml);
  PG_CHECK(spec.ok());

  int64_t done = 0;
  for (auto _ : state) {
    bool submitted = false;
    scheduler.Submit(*spec, [&](Result<SubmitResult> r) { submitted = r.ok(); });
    loop.RunPending();
    PG_CHECK(submitted);
    int finished = 0;
    while (finished < tasks) {
      PG_CHECK(!worker.assigned.empty());
      protocol::Assignment a = std::move(worker.assigned.front());
      worker.assigned.pop_front();
      scheduler.Started({a.attempt_id, 4242, clock.Wall()});
      protocol::AttemptFinished f;
      f.attempt_id = a.attempt_id;
      f.finished_at = clock.Wall();
      scheduler.Finished(std::move(f));
      loop.RunPending();
      ++finished;
    }
    done += tasks;
  }
  state.SetItemsProcessed(done);
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
}
BENCHMARK(BM_SchedulerTasksThroughFakeWorker)
    ->Args({2000, 2})
    ->Args({2000, 64})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pipegrid::master

BENCHMARK_MAIN();
