// Reading /proc/<pid>/stat: a process's group and start time, which together
// name a process group unambiguously across pid reuse (crash cleanup, §4).
//
// Thread-safety: all functions are thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pipegrid::worker {

struct ProcStat {
  pid_t pid = 0;
  char state = '?';        // field 3: R, S, D, Z, ...
  pid_t pgrp = 0;          // field 5
  uint64_t starttime = 0;  // field 22: clock ticks after boot
};

// Parses the one line of /proc/<pid>/stat. The command name (field 2) may hold
// spaces and parentheses, so fields are counted from the last ')'.
std::optional<ProcStat> ParseProcStat(std::string_view line);

// NotFound when the process does not exist (or is already reaped).
[[nodiscard]] Result<ProcStat> ReadProcStat(pid_t pid);

// Every process visible in /proc. Processes that exit during the scan are
// silently skipped.
[[nodiscard]] Result<std::vector<ProcStat>> ListProcesses();

// /proc/sys/kernel/random/boot_id, or empty if unreadable. Start times are
// only comparable within one boot.
std::string ReadBootId();

}  // namespace pipegrid::worker
