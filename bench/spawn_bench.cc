// Process launch cost: one attempt of `true` end to end through the Agent
// (Assign -> workspace, log, spawn, supervise -> Finished) against the floor
// of the machine (posix_spawn + wait of `/bin/sh -c true`), so the agent's
// own overhead per attempt is the difference. A 2000-task job pays it 2000
// times.
#include <benchmark/benchmark.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "worker/agent.h"
#include "worker/child_process.h"

namespace pipegrid::worker {
namespace {

// Counts Finished reports; the benchmark waits for each one.
class CountingMaster : public protocol::MasterChannel {
 public:
  void Started(protocol::AttemptStarted) override {}
  void Finished(protocol::AttemptFinished msg) override {
    std::lock_guard lock(mu_);
    ok_ = ok_ && msg.outcome == Outcome::kSucceeded;
    ++finished_;
    cv_.notify_all();
  }
  // Blocks until `n` attempts have finished; false if any did not succeed.
  bool WaitFor(int64_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return finished_ >= n; });
    return ok_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t finished_ = 0;
  bool ok_ = true;
};

std::string MakeTempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "pipegrid-bench-XXXXXX").string();
  PG_CHECK(::mkdtemp(tmpl.data()) != nullptr);
  return tmpl;
}

AgentOptions OptionsIn(const std::string& dir) {
  AgentOptions options;
  options.work_dir = dir + "/work";
  options.log_dir = dir + "/logs";
  options.state_dir = dir + "/state";
  return options;
}

void BM_AgentAttemptOfTrue(benchmark::State& state) {
  const std::string dir = MakeTempDir();
  CountingMaster master;
  AgentOptions options = OptionsIn(dir);
  {
    Result<std::unique_ptr<Agent>> agent = Agent::Create(options, SystemClock::Instance(), master);
    PG_CHECK(agent.ok());
    int64_t n = 0;
    for (auto _ : state) {
      protocol::Assignment a;
      a.attempt_id = "attempt-" + std::to_string(++n);
      a.job_id = "job";
      a.task_name = "task";
      a.attempt_number = static_cast<int>(n);
      a.steps.push_back(protocol::StepCommand{"shell", {"true"}});
      (*agent)->Assign(std::move(a));
      if (!master.WaitFor(n)) state.SkipWithError("an attempt did not succeed");
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_AgentAttemptOfTrue)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The worker side of W1 alone: 2 slots, and 2 more assignments held as the
// master's prefetch would, 500 `true` attempts an iteration. Against
// `xargs -P2` this says how much of pipegrid's W1 time the agent costs by
// itself, without the master, the store or gRPC.
void BM_AgentTwoSlotsWithPrefetch(benchmark::State& state) {
  constexpr int kSlots = 2, kHeld = 4, kBatch = 500;
  const std::string dir = MakeTempDir();
  CountingMaster master;
  AgentOptions options = OptionsIn(dir);
  options.slots = kSlots;
  {
    Result<std::unique_ptr<Agent>> agent = Agent::Create(options, SystemClock::Instance(), master);
    PG_CHECK(agent.ok());
    int64_t sent = 0, done = 0;
    for (auto _ : state) {
      const int64_t end = done + kBatch;
      while (done < end) {
        while (sent < end && sent - done < kHeld) {
          protocol::Assignment a;
          a.attempt_id = "attempt-" + std::to_string(++sent);
          a.job_id = "job";
          a.task_name = "t" + std::to_string(sent);
          a.steps.push_back(protocol::StepCommand{"shell", {"true"}});
          (*agent)->Assign(std::move(a));
        }
        if (!master.WaitFor(done + 1)) state.SkipWithError("an attempt did not succeed");
        ++done;
      }
    }
    state.SetItemsProcessed(done);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_AgentTwoSlotsWithPrefetch)->UseRealTime()->Unit(benchmark::kMillisecond);

// The same launch through ChildProcess alone: spawn into a new group, wait on
// a pidfd for the exit, kill the group and reap - the agent's per-command
// system-call floor without its threads, workspace and log.
void BM_ChildProcessOfTrue(benchmark::State& state) {
  char* env[] = {nullptr};
  Result<Pipe> pipe = MakeOutputPipe();
  PG_CHECK(pipe.ok());
  for (auto _ : state) {
    Result<ChildProcess> child =
        ChildProcess::Spawn(SpawnOptions{"true", "/", env, pipe->write.get()});
    PG_CHECK(child.ok());
    Result<UniqueFd> pidfd = child->OpenPidfd();
    PG_CHECK(pidfd.ok());
    pollfd p{pidfd->get(), POLLIN, 0};
    PG_CHECK(::poll(&p, 1, -1) == 1);
    Result<ExitStatus> status = child->KillGroupAndReap();
    PG_CHECK(status.ok() && !status->signaled && status->value == 0);
  }
}
BENCHMARK(BM_ChildProcessOfTrue)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The floor: what any supervisor pays to run `/bin/sh -c true`.
void BM_RawPosixSpawnOfTrue(benchmark::State& state) {
  const char* argv[] = {"/bin/sh", "-c", "true", nullptr};
  char* env[] = {nullptr};
  for (auto _ : state) {
    pid_t pid;
    PG_CHECK(
        ::posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char* const*>(argv), env) == 0);
    int status;
    PG_CHECK(::waitpid(pid, &status, 0) == pid && WIFEXITED(status));
  }
}
BENCHMARK(BM_RawPosixSpawnOfTrue)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace pipegrid::worker

BENCHMARK_MAIN();
