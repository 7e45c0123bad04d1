// Workspace and log file locations (DESIGN §2): every attempt of a task runs
// in <work_dir>/<job_id>/<task_name>/, recreated empty for each attempt.
//
// Thread-safety: the functions are thread-safe; callers must not prepare and
// remove the same workspace concurrently.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace pipegrid::worker {

// True if `name` can be used as one path component: non-empty, not "." or
// "..", no '/' and no NUL. Ids and task names come from the master, but a
// worker must never let one of them escape its directories.
bool IsSafePathComponent(std::string_view name);

// Removes <work_dir>/<job_id>/<task_name> if it exists and creates it empty;
// returns its path.
[[nodiscard]] Result<std::string> PrepareWorkspace(const std::string& work_dir,
                                                   const std::string& job_id,
                                                   const std::string& task_name);

// Removes <work_dir>/<job_id> and everything in it; OK if it does not exist.
[[nodiscard]] Status RemoveJobWorkspaces(const std::string& work_dir, const std::string& job_id);

}  // namespace pipegrid::worker
