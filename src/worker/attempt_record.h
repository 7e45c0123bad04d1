// Attempt records: one small file per running attempt in the agent's
// state_dir, naming the process group of the command currently running, so a
// restarted agent can kill what a crashed one left behind (DESIGN §4).
//
// File <state_dir>/<attempt_id>, one line: "<pgid> <leader_starttime> <boot_id>"
// where leader_starttime is field 22 of /proc/<pgid>/stat. A process belongs
// to the leftover group only if its group is pgid AND it started no earlier
// than the leader did, which excludes a later group that reused the number.
// boot_id (optional when reading) rules out records from before a reboot,
// whose start times are not comparable with today's.
//
// Thread-safety: the functions are thread-safe; concurrent writers of the
// same attempt id are not supported.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace pipegrid::worker {

struct AttemptRecord {
  pid_t pgid = 0;
  uint64_t leader_starttime = 0;
  std::string boot_id;  // empty: unknown
};

std::string FormatAttemptRecord(const AttemptRecord& record);
std::optional<AttemptRecord> ParseAttemptRecord(std::string_view text);

// Atomic replace (write a temporary file, rename over). Not fsynced: the
// record must survive a crash of the process, not of the machine - a reboot
// kills the processes anyway.
[[nodiscard]] Status WriteAttemptRecord(const std::string& state_dir, const std::string& attempt_id,
                                        const AttemptRecord& record);
// OK if there was no record.
[[nodiscard]] Status RemoveAttemptRecord(const std::string& state_dir,
                                         const std::string& attempt_id);

struct CleanupReport {
  int records = 0;               // files found (all removed)
  std::vector<pid_t> killed;     // processes sent SIGKILL
  std::vector<pid_t> lingering;  // killed but still not gone after the wait
};

// Reads every record in state_dir (each line of each file: single-record
// files and RecordTable files alike), SIGKILLs each process of each recorded
// group (never the calling process), waits up to `wait` (measured with
// `clock`) for them to exit, and removes the files. A process that outlives
// the wait (stuck in uninterruptible sleep) is only reported: it can no
// longer run user code. Errors only if state_dir or /proc cannot be read.
[[nodiscard]] Result<CleanupReport> KillLeftoverProcessGroups(const std::string& state_dir,
                                                              const Clock& clock, Millis wait);

}  // namespace pipegrid::worker
