// Writes the output a remote worker streams (LogChunk) into the master's log
// files, so logs are followed and read the same way as the embedded worker's
// and stay readable after the worker is gone (issue 4 item 10).
//
// Chunks carry their byte offset: a chunk the file already holds (resent
// after a reconnect) is skipped, the part beyond the end is appended, and a
// gap (bytes lost while the worker could not send) is marked with one line.
//
// Thread-safety: every method is thread-safe. One writer per worker session;
// the session's reads are serial, Expect() comes from the scheduler thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "worker/posix_util.h"

namespace pipegrid::api {

class RemoteLogWriter {
 public:
  explicit RemoteLogWriter(std::string log_dir) : log_dir_(std::move(log_dir)) {}

  // Chunks of `attempt_id` go to the log of that job, task and attempt.
  // Chunks of attempts never expected are dropped: a worker writes only the
  // logs of attempts the master gave it.
  void Expect(const std::string& attempt_id, const std::string& job_id,
              const std::string& task_name, int attempt_number);
  // Bytes of the attempt's log the master holds (0 if none).
  int64_t Size(const std::string& attempt_id);
  void Write(const std::string& attempt_id, int64_t offset, std::string_view data);
  // The attempt is over: closes its file.
  void Finish(const std::string& attempt_id);

 private:
  struct Open {
    std::string path;
    worker::UniqueFd fd;
    int64_t size = -1;  // -1: not opened yet
  };
  // Opens (creating directories) on first use; false if it cannot.
  bool Ensure(Open& f);

  const std::string log_dir_;
  std::mutex mu_;
  std::map<std::string, Open> files_;  // by attempt id
};

}  // namespace pipegrid::api
