// Test support for the worker: a MasterChannel fake that records reports and
// lets a test block until they arrive, and waits on real processes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/worker_protocol.h"
#include "support/test_util.h"
#include "worker/agent.h"
#include "worker/attempt_record.h"

namespace pipegrid::worker::testing {

// Generous: it bounds a wait that normally ends in milliseconds, and the
// machine is shared; hitting it means the behaviour under test is broken.
inline constexpr std::chrono::seconds kDeadline{20};

class FakeMaster : public protocol::MasterChannel {
 public:
  void Started(protocol::AttemptStarted msg) override;
  void Finished(protocol::AttemptFinished msg) override;

  // Blocks until at least `n` Finished reports arrived (or the deadline);
  // returns all of them in arrival order.
  std::vector<protocol::AttemptFinished> WaitForFinished(size_t n);
  // Blocks until `attempt_id` is reported finished; nullopt on deadline.
  std::optional<protocol::AttemptFinished> WaitFinished(const std::string& attempt_id);

  std::vector<protocol::AttemptStarted> started() const;
  std::vector<protocol::AttemptFinished> finished() const;
  size_t FinishedCount(const std::string& attempt_id) const;
  // Index in arrival order of all messages, or -1: to check Started < Finished.
  int StartedSeq(const std::string& attempt_id) const;
  int FinishedSeq(const std::string& attempt_id) const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int seq_ = 0;
  std::vector<std::pair<int, protocol::AttemptStarted>> started_;
  std::vector<std::pair<int, protocol::AttemptFinished>> finished_;
};

// An assignment of one task whose steps are `steps` (each a command list).
protocol::Assignment MakeAssignment(const std::string& attempt_id,
                                    std::vector<std::vector<std::string>> steps,
                                    const std::string& job_id = "job1",
                                    const std::string& task_name = "task", int attempt_number = 1);

std::string ReadFile(const std::string& path);

// Every attempt record in `state_dir` (each line of each file, as the crash
// cleanup reads them): what a crash now would leave to be killed.
std::vector<AttemptRecord> RecordsIn(const std::string& state_dir);

// A named pipe a command can write a line to (`echo ready > $FIFO`) while the
// test blocks on reading it: how a test learns that a command reached a point.
class Fifo {
 public:
  explicit Fifo(std::string path);
  ~Fifo();
  const std::string& path() const { return path_; }
  // Blocks until a writer sent a line (or the deadline: returns nullopt).
  std::optional<std::string> ReadLine();

 private:
  std::string path_;
  int fd_ = -1;
};

// True once process `pid` has exited (a zombie not yet reaped by its parent
// counts as exited), waiting up to kDeadline on a pidfd.
bool ProcessExits(pid_t pid);
// True if the process exists and has not exited (zombies count as exited).
bool ProcessAlive(pid_t pid);

}  // namespace pipegrid::worker::testing
