// LogSink: an attempt's log file, capped at a byte limit.
//
// Output beyond `max_bytes` is discarded after one line
// "[pipegrid: log truncated at N bytes]" (DESIGN §7 --max-log-bytes); the
// pipe feeding it is still drained so the producer never blocks on a full pipe.
// Write errors (disk full) are remembered and later output is dropped: a log
// problem must never stall or fail the attempt itself.
//
// Thread-safety: not thread-safe. Ownership moves between the agent's control
// thread and its I/O thread (a unique_ptr handed over through a queue), so
// exactly one thread uses it at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "worker/posix_util.h"

namespace pipegrid::worker {

class LogSink {
 public:
  // kAtOnce: the file is created now (with missing parent directories,
  // truncating an existing one). kOnFirstWrite: only when the first byte
  // comes - most short tasks print nothing, and an inode is a large part of
  // their cost on ext4; readers of attempt logs treat a missing one as empty.
  enum class Create { kAtOnce, kOnFirstWrite };
  [[nodiscard]] static Result<std::unique_ptr<LogSink>> Open(const std::string& path,
                                                             int64_t max_bytes,
                                                             Create create = Create::kAtOnce);

  // Appends command output, honouring the cap.
  void Append(std::string_view data);
  // Appends a line from the agent itself ("[pipegrid: ...]"), also capped so
  // the file never grows past the cap plus one truncation line.
  void AppendNote(std::string_view note);

  int64_t bytes_written() const { return written_; }
  bool truncated() const { return truncated_; }
  // The first write error, if any.
  const Status& error() const { return error_; }

 private:
  LogSink(std::string path, int64_t max_bytes) : path_(std::move(path)), max_bytes_(max_bytes) {}
  void Write(std::string_view data);
  // Creates the file at the first write; false (error_ set) if it cannot.
  bool EnsureOpen();

  const std::string path_;
  UniqueFd fd_;  // invalid until the first write
  const int64_t max_bytes_;
  int64_t written_ = 0;     // bytes of output kept, excluding the truncation line
  bool truncated_ = false;  // the truncation line was written; discard everything
  bool last_was_newline_ = true;
  Status error_;
};

}  // namespace pipegrid::worker
