// Attempt: the state machine of one running attempt, on the agent's control
// thread. It runs the attempt's commands one at a time and decides the
// outcome; the agent routes process-exit and pipe-EOF events to it.
//
// Life of a command: spawned (ChildProcess + output pipe handed to the
// OutputPump) -> its leader exits (the group is SIGKILLed and the leader
// reaped) and its pipe closes, in either order -> the next command, or the
// end. The first cause to decide the outcome wins (a failing command, the
// timeout, a stop); from then on no command starts and the current group is
// signalled. Finished is sent only when no process of the attempt is left.
//
// Thread-safety: not thread-safe; every method runs on the control thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "common/worker_protocol.h"
#include "worker/agent.h"
#include "worker/child_process.h"
#include "worker/environment.h"
#include "worker/group_stopper.h"
#include "worker/log_sink.h"
#include "worker/output_pump.h"
#include "worker/record_table.h"
#include "worker/workspace.h"

namespace pipegrid::worker {

// What an attempt needs from its agent; everything outlives the attempt.
struct AttemptContext {
  const AgentOptions* options = nullptr;
  EventLoop* loop = nullptr;
  OutputPump* pump = nullptr;
  protocol::MasterChannel* master = nullptr;
  const std::map<std::string, std::string>* base_env = nullptr;
  RecordTable* records = nullptr;
  SpareWorkspaces* spares = nullptr;
  std::string boot_id;
};

class Attempt {
 public:
  // `serial` is unique per agent; it names this attempt's pump tokens.
  Attempt(const AttemptContext& ctx, uint64_t serial, protocol::Assignment assignment);
  ~Attempt();  // a ChildProcess still held kills its group
  Attempt(const Attempt&) = delete;
  Attempt& operator=(const Attempt&) = delete;

  // Prepares the workspace and log, starts the first command. May finish at
  // once (nothing to run, or setup failed).
  void Start();
  // Decides the outcome (unless already decided) and signals the running
  // group: SIGTERM, then SIGKILL after `grace`; at once when grace is 0.
  void Stop(Outcome outcome, Millis grace, std::string reason);

  // Events from the pump, by token.
  void OnLeaderExited(uint32_t command);
  void OnStreamClosed(uint32_t command, std::unique_ptr<LogSink> sink);

  bool finished() const { return finished_; }
  const protocol::Assignment& assignment() const { return assignment_; }

  static uint64_t Token(uint64_t serial, uint32_t command) { return serial << 32 | command; }
  static uint64_t SerialOf(uint64_t token) { return token >> 32; }
  static uint32_t CommandOf(uint64_t token) { return static_cast<uint32_t>(token); }

 private:
  struct CommandRef {
    int step;     // 1-based, for reasons
    int command;  // 1-based within the step
    const std::string* text;
  };
  // The command in flight. Invariant: at most one, and the attempt is
  // finished only when there is none.
  struct Running {
    uint32_t index = 0;
    ChildProcess child;
    bool leader_exited = false;
    bool stream_closed = false;
    Result<ExitStatus> status = Internal("not reaped yet");
  };

  void StartCommand(uint32_t index);
  void MaybeCommandDone();
  void Decide(Outcome outcome, std::string reason, std::optional<int> exit_code = std::nullopt,
              std::optional<int> signal = std::nullopt);
  // Setup failed before any process of the attempt is left: end now.
  // Success unless a declared output is missing or too large.
  void DecideSuccess();
  void FailSetup(std::string reason);
  void Terminate(Millis grace);
  void Finish();
  void CancelTimer(std::optional<EventLoop::TimerId>& timer);
  std::string Describe(const CommandRef& c) const;

  const AttemptContext ctx_;
  const uint64_t serial_;
  const protocol::Assignment assignment_;
  std::vector<CommandRef> commands_;  // every step's commands, flattened in order

  std::string workspace_;
  std::unique_ptr<Environment> env_;
  std::unique_ptr<LogSink> sink_;  // null while the pump holds it
  std::optional<Running> running_;
  std::optional<protocol::AttemptFinished> verdict_;  // the outcome, once decided
  bool started_sent_ = false;
  bool finished_ = false;
  // This attempt's slot in ctx_.records, from its first command on.
  std::optional<size_t> record_slot_;

  std::optional<EventLoop::TimerId> timeout_timer_;
  GroupStopper stopper_;                           // the running group's SIGTERM/SIGKILL
  std::optional<EventLoop::TimerId> drain_timer_;  // give up waiting for EOF
};

}  // namespace pipegrid::worker
