// The master <-> worker protocol as C++ messages. The embedded worker of
// `pipegrid up` and the remote worker (gRPC, proto/pipegrid/v1/) carry exactly
// these messages, so the scheduler has one code path for both (DESIGN §1).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/states.h"

namespace pipegrid::protocol {

// A file a task kept (outputs.files), as the master stores and serves it:
// path relative to the task's workspace, size, SHA-256 (hex).
struct OutputFile {
  std::string path;
  int64_t size = 0;
  std::string sha256;
  bool operator==(const OutputFile&) const = default;
};

// An upstream task's kept file that an attempt needs under
// inputs/<task>/<path> in its workspace (issue 8). `local` is where the worker
// has it (its cache); set by the worker's protocol client once fetched.
struct InputFile {
  std::string task;
  OutputFile file;
  std::string local;
};

struct StepCommand {
  std::string executor = "shell";
  std::vector<std::string> commands;
};

// master -> worker: run one attempt of a task.
struct Assignment {
  std::string attempt_id;
  std::string job_id;
  std::string task_id;
  std::string task_name;
  int attempt_number = 1;
  std::vector<StepCommand> steps;
  std::optional<Millis> timeout;  // whole attempt; the worker enforces it
  std::map<std::string, std::string> env;  // extra environment, added last
  // outputs.files (paths or globs relative to the workspace) to keep when the
  // attempt succeeds, at most max_output_bytes in all.
  std::vector<std::string> outputs;
  int64_t max_output_bytes = 1LL << 30;
  // Upstream outputs to place read-only under inputs/<task>/ first.
  std::vector<InputFile> inputs;
};

// master -> worker: stop an attempt. The worker signals the attempt's process
// group (SIGTERM, then SIGKILL after `grace`; at once when grace is 0) and
// reports `outcome` as the attempt's outcome once its processes are gone.
struct StopRequest {
  std::string attempt_id;
  Outcome outcome = Outcome::kCancelled;  // cancelled | killed | timeout | interrupted
  Millis grace{10'000};
};

// worker -> master: the first step's process group exists.
struct AttemptStarted {
  std::string attempt_id;
  int64_t pgid = 0;
  WallTime started_at{};
};

// worker -> master: the attempt is over and none of its processes is left.
struct AttemptFinished {
  std::string attempt_id;
  Outcome outcome = Outcome::kSucceeded;
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string reason;  // human-readable: "step 2 exited with 3", "timeout after 10s"
  WallTime finished_at{};
  // On success: the files kept (outputs.files resolved), and where they are
  // in the workspace (`workspace`, for the worker's client to send them).
  std::vector<OutputFile> outputs;
  std::string workspace;
};

// What a worker sends; implemented by the master side of a connection.
// Thread-safe: workers call it from their own threads.
class MasterChannel {
 public:
  virtual ~MasterChannel() = default;
  virtual void Started(AttemptStarted msg) = 0;
  virtual void Finished(AttemptFinished msg) = 0;
};

// What the master sends; implemented by the worker side of a connection.
// Thread-safe: the scheduler calls it from its loop thread and must not block.
class WorkerChannel {
 public:
  virtual ~WorkerChannel() = default;
  virtual void Assign(Assignment msg) = 0;
  virtual void Stop(StopRequest msg) = 0;
  // The job is finished: its workspaces may go (unless kept).
  virtual void ReleaseJob(const std::string& job_id) = 0;
  // The master drains the worker (POST /workers/{name}/drain): it should
  // stop taking work, finish what it runs (within its own drain grace, then
  // hand the rest back as `interrupted`) and deregister.
  virtual void Drain() {}
  // The master has dropped this session (lease lost, replaced by a newer
  // session of the same worker): end it. The master no longer uses the
  // channel after this call.
  virtual void Close(const std::string& reason) { (void)reason; }
};

}  // namespace pipegrid::protocol
