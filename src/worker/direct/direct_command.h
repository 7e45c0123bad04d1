// DirectCommand: one command started through the worker direct API, on the
// command table's loop thread. The same life as one command of an attempt
// (worker/attempt.h): spawned as `/bin/sh -c CMD` leading its own process
// group, output pipe handed to the OutputPump; when the leader exits the
// whole group is SIGKILLed and the leader reaped; the command is finished
// once that happened and its pipe is drained, so a FINISHED command's
// output file is complete and none of its processes is left.
//
// The first cause decides the outcome: the shell's own end (succeeded, exit,
// signal), the timeout, or a stop (cancelled, killed, interrupted).
//
// Thread-safety: not thread-safe; every method runs on the loop thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/event_loop.h"
#include "common/states.h"
#include "common/status.h"
#include "worker/child_process.h"
#include "worker/group_stopper.h"
#include "worker/log_sink.h"
#include "worker/output_pump.h"

namespace pipegrid::worker::direct {

// What the caller asked for (StartCommandRequest, validated).
struct CommandRequest {
  std::string command;
  std::map<std::string, std::string> env;
  std::string work_dir;  // relative to the worker's --work-dir; empty: a fresh one
  std::optional<Millis> timeout;
  std::string request_id;
  std::string caller;  // the client certificate's common name

  // The same request, as far as idempotency is concerned (caller aside).
  bool SameAs(const CommandRequest& other) const {
    return command == other.command && env == other.env && work_dir == other.work_dir &&
           timeout == other.timeout;
  }
};

enum class CommandState { kRunning, kStopping, kFinished };

// A snapshot for GetStatus and friends.
struct CommandInfo {
  std::string id;
  CommandState state = CommandState::kRunning;
  Outcome outcome = Outcome::kNone;  // set once finished
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string reason;
  pid_t pgid = 0;
  WallTime started_at{};
  WallTime finished_at{};  // epoch until finished
  int64_t output_bytes = 0;
  std::string output_path;
};

// What every command of a table shares; outlives the commands.
struct CommandContext {
  EventLoop* loop = nullptr;
  OutputPump* pump = nullptr;
  std::string work_dir;  // the worker's --work-dir, absolute
  std::string root;      // DirectRoot(work_dir)
  const std::map<std::string, std::string>* base_env = nullptr;
  std::string boot_id;
  int64_t max_output_bytes = 64LL << 20;
  Millis kill_grace{5'000};            // SIGTERM -> SIGKILL on timeout
  Millis output_drain_timeout{2'000};  // as AgentOptions::output_drain_timeout
};

class DirectCommand {
 public:
  // Prepares the directories and the output file and spawns the command;
  // `token` names it to the pump. On error nothing of it is left running.
  [[nodiscard]] static Result<std::unique_ptr<DirectCommand>> Start(const CommandContext& ctx,
                                                                    uint64_t token, std::string id,
                                                                    CommandRequest request);
  ~DirectCommand();  // a ChildProcess still held kills its group
  DirectCommand(const DirectCommand&) = delete;
  DirectCommand& operator=(const DirectCommand&) = delete;

  // Decides the outcome unless already decided and signals the group:
  // SIGTERM, then SIGKILL after `grace`; at once when grace is 0. A second
  // stop may bring the SIGKILL forward, never push it back.
  void Stop(Outcome outcome, Millis grace, std::string reason);

  // Events from the pump.
  void OnLeaderExited();
  void OnStreamClosed(std::unique_ptr<LogSink> sink);

  CommandInfo Info() const;
  bool finished() const { return finished_; }
  const std::string& id() const { return id_; }
  uint64_t token() const { return token_; }
  const CommandRequest& request() const { return request_; }
  const std::string& output_path() const { return output_path_; }

 private:
  DirectCommand(const CommandContext& ctx, uint64_t token, std::string id, CommandRequest request);
  Status Spawn();
  void Decide(Outcome outcome, std::string reason);
  void Terminate(Millis grace);
  void MaybeFinish();
  void CancelTimer(std::optional<EventLoop::TimerId>& timer);

  const CommandContext ctx_;
  const uint64_t token_;
  const std::string id_;
  const CommandRequest request_;
  const std::string output_path_;

  ChildProcess child_;  // until reaped
  pid_t pgid_ = 0;
  bool leader_exited_ = false;
  bool stream_closed_ = false;
  std::unique_ptr<LogSink> sink_;  // null while the pump holds it
  Result<ExitStatus> exit_status_ = Internal("not reaped yet");

  std::optional<Outcome> outcome_;  // decided; final once finished_
  std::string reason_;
  bool finished_ = false;
  WallTime started_at_{};
  WallTime finished_at_{};

  std::optional<EventLoop::TimerId> timeout_timer_;
  GroupStopper stopper_;  // the group's SIGTERM/SIGKILL
  std::optional<EventLoop::TimerId> drain_timer_;
};

}  // namespace pipegrid::worker::direct
