#include "worker/workspace.h"

#include <filesystem>
#include <system_error>

#include "worker/agent.h"
#include "worker/posix_util.h"

namespace pipegrid::worker {

namespace fs = std::filesystem;

std::string LogPath(const std::string& log_dir, const std::string& job_id,
                    const std::string& task_name, int attempt_number) {
  return log_dir + "/" + job_id + "/" + task_name + "/" + std::to_string(attempt_number) + ".log";
}

bool IsSafePathComponent(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

Result<std::string> PrepareWorkspace(const std::string& work_dir, const std::string& job_id,
                                     const std::string& task_name) {
  if (!IsSafePathComponent(job_id)) return InvalidArgument("bad job id for a path: " + job_id);
  if (!IsSafePathComponent(task_name)) {
    return InvalidArgument("bad task name for a path: " + task_name);
  }
  fs::path dir = fs::path(work_dir) / job_id / task_name;
  std::error_code ec;
  // Each attempt starts clean: a retry must not see a failed attempt's files.
  fs::remove_all(dir, ec);
  if (ec) return ErrnoStatus("remove old workspace " + dir.string(), ec.value());
  fs::create_directories(dir, ec);
  if (ec) return ErrnoStatus("create workspace " + dir.string(), ec.value());
  return dir.string();
}

Status RemoveJobWorkspaces(const std::string& work_dir, const std::string& job_id) {
  if (!IsSafePathComponent(job_id)) return InvalidArgument("bad job id for a path: " + job_id);
  fs::path dir = fs::path(work_dir) / job_id;
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) return ErrnoStatus("remove workspaces " + dir.string(), ec.value());
  return Status::Ok();
}

}  // namespace pipegrid::worker
