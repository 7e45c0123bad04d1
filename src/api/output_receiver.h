// Receives the kept files of a remote attempt (OutputFileChunk, issue 8) into a
// staging directory, and checks them against the attempt's Finished before
// the scheduler records the success and moves them into place.
//
// Staging: <outputs_dir>/.incoming/<attempt_id>/<path>. Chunks must come in
// order per file (offset = bytes received so far); anything else marks the
// attempt's outputs damaged.
//
// Thread-safety: every method is thread-safe (one receiver per session; the
// session's reads are serial, Expect() comes from the scheduler thread).
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/worker_protocol.h"
#include "worker/posix_util.h"

namespace pipegrid::api {

class OutputReceiver {
 public:
  explicit OutputReceiver(std::string outputs_dir) : outputs_dir_(std::move(outputs_dir)) {}
  ~OutputReceiver();  // discards what is still staged

  // Chunks of attempts never assigned through this session are dropped.
  void Expect(const std::string& attempt_id);
  void Write(const std::string& attempt_id, const std::string& path, int64_t offset,
             std::string_view data);
  // For a Finished: OK with the staging directory ("" when nothing was
  // declared) when every listed file arrived whole with its SHA-256;
  // DataLoss-like Internal error naming the first damaged file otherwise
  // (the staged files are removed then). Forgets the attempt either way.
  Result<std::string> Complete(const protocol::AttemptFinished& finished);

 private:
  struct Staged {
    std::string path;  // the file being received
    worker::UniqueFd fd;
    int64_t size = 0;
    std::string error;  // set once anything went wrong
  };
  std::string StagingDir(const std::string& attempt_id) const;

  const std::string outputs_dir_;
  std::mutex mu_;
  std::set<std::string> expected_;
  std::map<std::string, Staged> staged_;  // by attempt id
};

}  // namespace pipegrid::api
