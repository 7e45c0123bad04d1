// RecordTable: the attempt records of one agent (see attempt_record.h) as
// fixed-size slots of one file, <state_dir>/attempts.tab, rewritten in place.
//
// One file per record cost an inode allocation, a rename and an unlink per
// command started - on ext4 tens of microseconds each, a large share of a
// short task's overhead. A slot is one pwrite to set and one to clear; the
// file never changes size once its slots exist, so nothing touches the
// directory. Each slot is one line (FormatAttemptRecord, padded with spaces);
// a cleared slot is a blank line. KillLeftoverProcessGroups reads every line
// of every file in state_dir, so it handles this file and single-record files
// alike, then removes them; Open() therefore comes after that cleanup.
//
// Not fsynced, like the single-record files: it must survive a crash of the
// process, not of the machine (a reboot kills the processes anyway). A slot's
// write is one small pwrite, which a process crash cannot tear.
//
// Thread-safety: not thread-safe; the agent's control thread owns it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/status.h"
#include "worker/attempt_record.h"
#include "worker/posix_util.h"

namespace pipegrid::worker {

class RecordTable {
 public:
  // Bytes per slot: room for "<pgid> <starttime> <boot id>\n" with margin.
  static constexpr size_t kSlotBytes = 96;

  // Creates (or truncates) <state_dir>/attempts.tab.
  [[nodiscard]] static Result<RecordTable> Open(const std::string& state_dir);

  // A slot no attempt holds; Release() gives it back.
  size_t Acquire();
  void Release(size_t slot);
  [[nodiscard]] Status Write(size_t slot, const AttemptRecord& record);
  [[nodiscard]] Status Clear(size_t slot);

  const std::string& path() const { return path_; }

 private:
  RecordTable(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  [[nodiscard]] Status Put(size_t slot, std::string line);

  std::string path_;
  UniqueFd fd_;
  std::vector<size_t> free_;  // released slots, reused first
  size_t next_ = 0;           // slots ever handed out
};

}  // namespace pipegrid::worker
