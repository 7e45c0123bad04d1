// OutputPump: the agent's I/O thread. One epoll loop drains every running
// command's output pipe into its attempt's log file and watches each leader's
// pidfd, so the control thread never blocks on a pipe or on the disk.
//
// Each watched command is named by the caller's `token`. For every Watch()
// the pump reports, once each and in either order:
//   - leader_exited(token): the leader's pidfd became readable (it exited);
//   - stream_closed(token, sink): the pipe reached EOF - every process holding
//     its write end is gone - or was abandoned; the sink is handed back.
//
// Thread-safety: Watch(), Abandon() and Stop() are thread-safe and never block
// on I/O. The callbacks run on the pump thread and must not block (post to
// your own loop). After Stop() no callback runs.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/status.h"
#include "worker/log_sink.h"
#include "worker/posix_util.h"

namespace pipegrid::worker {

class OutputPump {
 public:
  struct Callbacks {
    std::function<void(uint64_t token)> leader_exited;
    std::function<void(uint64_t token, std::unique_ptr<LogSink> sink)> stream_closed;
  };

  // Starts the thread.
  [[nodiscard]] static Result<std::unique_ptr<OutputPump>> Start(Callbacks callbacks);
  ~OutputPump();  // Stop()
  OutputPump(const OutputPump&) = delete;
  OutputPump& operator=(const OutputPump&) = delete;

  // `pipe` is the non-blocking read end of the command's output pipe, `pidfd`
  // its leader's pidfd. Tokens must be unique for the pump's lifetime.
  void Watch(uint64_t token, UniqueFd pipe, UniqueFd pidfd, std::unique_ptr<LogSink> sink);

  // Takes what the pipe holds now and then closes it as if at EOF: for a pipe
  // still held open by a process that escaped its group. No-op if closed.
  void Abandon(uint64_t token);

  // Ends the thread; streams still open are closed. Idempotent.
  void Stop();

 private:
  struct Stream {
    uint64_t token = 0;
    UniqueFd pipe;
    UniqueFd pidfd;
    std::unique_ptr<LogSink> sink;
  };
  struct Op {
    enum Kind { kWatch, kAbandon, kStop } kind;
    Stream stream;  // kWatch: the new stream; otherwise only `token` is set
  };

  OutputPump(Callbacks callbacks, UniqueFd epoll, UniqueFd wake);
  void Enqueue(Op op);
  void ThreadMain();
  // Returns false when asked to stop.
  bool RunOps();
  void AddStream(Stream stream);
  void OnPipeReadable(uint64_t key, bool abandon);
  void OnPidfdReadable(uint64_t key);
  void EraseIfDone(uint64_t key);

  const Callbacks callbacks_;
  const UniqueFd epoll_;
  const UniqueFd wake_;  // eventfd: new ops are queued
  std::thread thread_;

  std::mutex mu_;
  std::deque<Op> ops_;    // guarded by mu_
  bool stopped_ = false;  // guarded by mu_

  // Pump thread only. Keys are never reused, so a stale epoll event for an
  // erased stream finds nothing. epoll data = key * 2 (+1 for the pidfd).
  std::unordered_map<uint64_t, Stream> streams_;
  std::unordered_map<uint64_t, uint64_t> key_by_token_;
  uint64_t next_key_ = 1;
};

}  // namespace pipegrid::worker
