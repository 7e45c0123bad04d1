// Exclusive ownership of a data directory: a second process on the same
// directory is refused, naming the pid that holds it (DESIGN §7).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace pipegrid::server {

class DataDirLock {
 public:
  // Creates the directory if needed, takes an flock on <dir>/pipegrid.pid and
  // writes this process's pid into it. FailedPrecondition naming the holder's
  // pid when another process has it.
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& dir);
  ~DataDirLock();  // empties the pid file and releases the lock
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  DataDirLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace pipegrid::server
