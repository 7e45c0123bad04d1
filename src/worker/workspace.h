// Workspace and log file locations (DESIGN §2): every attempt of a task runs
// in <work_dir>/<job_id>/<task_name>/, recreated empty for each attempt.
//
// Thread-safety: the functions are thread-safe; callers must not prepare and
// remove the same workspace concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

// Empty workspaces kept for reuse under <work_dir>/.spare/. On ext4 a mkdir
// allocates an inode (tens of microseconds, more while many were recently
// freed) where a rename of an empty directory costs about two: most tasks
// leave their workspace empty, so recycling it makes the next task's
// workspace almost free. Only an empty directory is ever recycled, so no
// file of one task can reach another.
//
// Thread-safety: not thread-safe; the agent's control thread owns it.
class SpareWorkspaces {
 public:
  // Removes spares a previous run left. `max` bounds how many are kept.
  SpareWorkspaces(std::string work_dir, size_t max);

  // As PrepareWorkspace, taking a spare directory when there is one.
  [[nodiscard]] Result<std::string> Prepare(const std::string& job_id,
                                            const std::string& task_name);
  // The attempt that used `workspace` is over and nothing needs its files:
  // if it is empty and there is room, it becomes a spare (it no longer
  // exists at its path); otherwise it stays as it is.
  void Recycle(const std::string& workspace);

  size_t size() const { return spares_.size(); }

 private:
  std::string work_dir_;
  std::string spare_dir_;
  size_t max_;
  std::vector<std::string> spares_;  // paths of empty directories
  uint64_t next_name_ = 0;
};

// Removes <work_dir>/<job_id> and everything in it; OK if it does not exist.
[[nodiscard]] Status RemoveJobWorkspaces(const std::string& work_dir, const std::string& job_id);

}  // namespace pipegrid::worker
