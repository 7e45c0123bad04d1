// LogFollower: the body of GET /jobs/{id}/tasks/{task}/logs?follow=true.
//
// Sends what the attempt's log file holds, then new output as it is written,
// then continues with each later attempt of the task, and ends once the task
// is finished and the last attempt's file is read to its end:
// - plain text: the output as is, with a line "--- attempt N ---" before each
//   attempt after the first one sent;
// - SSE: `attempt` (data {"number":N}) before each attempt's output, `log`
//   (data: the text) for each piece of output, `end` (data {"state":"..."}).
//   Each `attempt` and `log` event has the id "N:OFFSET" (attempt, bytes of
//   its file sent so far), so a client can resume with Last-Event-ID.
//
// How it knows when to look: a LogWatcher watch on the file being read (new
// output) and a ChangeFeed subscription to the job (a new attempt, the task's
// end). Why the order of reads is safe: an attempt's end is committed only
// after its output is in the file (the worker reports Finished once the pipe
// is drained), so the store is read first and the file second; once the store
// says the attempt is over, the file is complete.
//
// Thread-safety: a Stream (see logs/stream.h). The store, feed and watcher
// must outlive it; `watcher` may be null (then output arrives at the next
// commit of the job, not as it is written).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "logs/change_feed.h"
#include "logs/log_watcher.h"
#include "logs/stream.h"
#include "store/store.h"
#include "worker/posix_util.h"

namespace pipegrid::logs {

struct LogFollowOptions {
  std::string job_id;
  std::string task;      // the task's name
  int attempt = 0;       // the first attempt to send; 0: the latest (or the first to come)
  int64_t offset = 0;    // bytes of `attempt` already sent (resuming); needs attempt > 0
  bool resumed = false;  // the client has seen `attempt`'s header already
  bool sse = false;
};

// The SSE id of a position in a task's output, and its parser (for
// Last-Event-ID): "3:1024" is attempt 3 after its first 1024 bytes.
std::string LogEventId(int attempt, int64_t offset);
std::optional<std::pair<int, int64_t>> ParseLogEventId(std::string_view id);

class LogFollower final : public Stream {
 public:
  // `log_dir` holds the files at worker::LogPath(); empty: no local logs
  // (the stream then only waits for the task to end).
  LogFollower(store::Store& store, ChangeFeed& changes, LogWatcher* watcher, std::string log_dir,
              LogFollowOptions options);

  void Start(std::function<void()> wake) override;
  Piece Next() override;

 private:
  // The task as committed now; nullopt once it (or its job) is deleted.
  Result<std::optional<store::TaskRecord>> LoadTask();
  void SwitchTo(int attempt, int64_t offset);
  // New bytes of the current attempt ("" when none). Unless `complete`, an
  // incomplete UTF-8 sequence at the end waits for the rest of it.
  std::string ReadMore(bool complete);
  std::string AttemptHeader() const;
  Piece Output(std::string bytes);
  Piece Finish(std::optional<TaskState> state) const;
  // Opens the attempt's log if it exists now; otherwise makes sure its
  // creation wakes us (a watch on the job's log dir, or on log_dir_ while
  // that does not exist either).
  bool OpenLog();
  void WatchForCreation();

  store::Store& store_;
  ChangeFeed& changes_;
  LogWatcher* const watcher_;
  const std::string log_dir_;
  const LogFollowOptions options_;

  std::function<void()> wake_;
  ChangeFeed::Subscription subscription_;
  int attempt_ = 0;  // the attempt being sent; 0: none started yet
  int64_t offset_ = 0;
  bool header_sent_ = false;    // for attempt_
  bool shown_attempt_ = false;  // an earlier attempt was sent (text: separator needed)
  bool at_line_start_ = true;   // text: the last byte sent was a line break
  worker::UniqueFd file_;       // the attempt's log, once it exists
  // On the file once open; before that on the directory it will appear in
  // (workers create a log only when output comes).
  LogWatcher::Watch watch_;
  std::string watched_dir_;  // the directory watch_ is on; "" while on the file
  std::optional<TaskState> last_state_;
};

}  // namespace pipegrid::logs
