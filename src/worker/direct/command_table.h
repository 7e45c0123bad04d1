// CommandTable: every command of the worker direct API, owned by one loop
// thread (STYLE "one thread owns"): gRPC handlers call the thread-safe
// methods below, which post to the loop and answer through a callback run on
// the loop thread.
//
// Bounded: at most `max_running` commands with processes (more:
// ResourceExhausted) and the records of the last `max_finished` finished
// ones; an older record is dropped together with its directory (output and
// default working directory), and its request_id is forgotten.
//
// A worker restart forgets every command: at Create() the process groups a
// crashed run left running are killed (worker/attempt_record.h) and the
// previous run's command directories are removed.
//
// Threads: the loop thread (this table's EventLoop) and an OutputPump thread
// that drains output pipes into the output files and watches exits.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/event_loop.h"
#include "common/ids.h"
#include "common/status.h"
#include "worker/direct/direct_command.h"
#include "worker/output_pump.h"

namespace pipegrid::worker::direct {

struct TableOptions {
  std::string work_dir;  // commands live under DirectRoot(work_dir)
  int max_running = 64;
  size_t max_finished = 1000;
  int64_t max_output_bytes = 64LL << 20;  // per command, then a truncation line
  Millis kill_grace{5'000};               // SIGTERM -> SIGKILL on timeout
  Millis output_drain_timeout{2'000};
  // How often a followed, running command's output file is checked for
  // growth (only while someone follows it).
  Millis follow_poll{100};
  Millis cleanup_wait{5'000};  // for a crashed run's leftover processes
};

class CommandTable {
 public:
  using InfoCallback = std::function<void(Result<CommandInfo>)>;
  // finished: the command is over (or unknown), so its output is complete.
  using WakeCallback = std::function<void(bool finished)>;

  [[nodiscard]] static Result<std::unique_ptr<CommandTable>> Create(TableOptions options,
                                                                    const Clock& clock);
  ~CommandTable();  // StopAll(0), then Close()
  CommandTable(const CommandTable&) = delete;
  CommandTable& operator=(const CommandTable&) = delete;

  // Thread-safe; each answers once through `done` on the loop thread (which
  // must not block). Start: InvalidArgument for a bad request, AlreadyExists
  // for a request_id reused with another request, ResourceExhausted at
  // max_running, Unavailable after StopAll(). Stop: NotFound, InvalidArgument
  // for a negative grace; the outcome is cancelled (grace > 0) or killed.
  void Start(CommandRequest request, InfoCallback done);
  void Stop(std::string id, Millis grace, std::string caller, InfoCallback done);
  void Get(std::string id, InfoCallback done);

  // For following output. `wake` runs once on the loop thread: when the
  // output file is longer than `offset`, or when the command is finished or
  // unknown (true). CancelWait drops a wait that has not fired (the callback
  // is destroyed unrun). Waiter ids come from NewWaiterId().
  uint64_t NewWaiterId() { return next_waiter_.fetch_add(1); }
  void WaitForOutput(uint64_t waiter, std::string id, int64_t offset, WakeCallback wake);
  void CancelWait(uint64_t waiter);

  // Stops every running command (outcome interrupted, SIGKILL after `grace`)
  // and blocks until their processes are gone; later Starts are refused.
  // Idempotent. Not from the loop thread.
  void StopAll(Millis grace);
  // Ends the threads; what is posted later never runs. Call once nothing
  // waits for an answer any more (after the gRPC server has shut down).
  void Close();

 private:
  struct Waiter {
    std::string id;
    int64_t offset = 0;
    WakeCallback wake;
  };

  CommandTable(TableOptions options, const Clock& clock);
  Status Init();
  // Loop thread.
  void DoStart(CommandRequest request, const InfoCallback& done);
  void DoStop(const std::string& id, Millis grace, const std::string& caller,
              const InfoCallback& done);
  void DoWait(uint64_t waiter, Waiter w);
  void PollFollowed();
  void OnLeaderExited(uint64_t token);
  void OnStreamClosed(uint64_t token, std::unique_ptr<LogSink> sink);
  void Collect(DirectCommand& cmd);
  void Evict(const std::string& id);
  void MaybeCompleteStopAll();

  const TableOptions options_;
  const Clock& clock_;
  IdGenerator ids_;
  std::map<std::string, std::string> base_env_;
  CommandContext context_;
  std::atomic<uint64_t> next_waiter_{1};

  EventLoop loop_;
  // Declared after loop_: its callbacks post to the loop, so it goes first.
  std::unique_ptr<OutputPump> pump_;

  // Loop thread only.
  std::unordered_map<std::string, std::unique_ptr<DirectCommand>> commands_;  // by id
  std::unordered_map<uint64_t, DirectCommand*> running_;                      // by pump token
  std::deque<std::string> finished_order_;                                    // oldest first
  std::map<std::string, std::string> by_request_;  // caller\0request_id -> id
  std::unordered_map<uint64_t, Waiter> waiters_;
  bool poll_armed_ = false;
  uint64_t next_token_ = 1;
  bool stopping_ = false;
  std::function<void()> stop_all_done_;  // set while StopAll() waits

  std::mutex stop_mu_;            // serialises StopAll() and Close()
  bool threads_started_ = false;  // set once by Init(); then read under stop_mu_
  bool stopped_all_ = false;      // guarded by stop_mu_
  bool closed_ = false;           // guarded by stop_mu_
};

}  // namespace pipegrid::worker::direct
