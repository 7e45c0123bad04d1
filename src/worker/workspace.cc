#include "worker/workspace.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "worker/agent.h"
#include "worker/posix_util.h"

namespace pipegrid::worker {

namespace fs = std::filesystem;

std::string LogPath(const std::string& log_dir, const std::string& job_id,
                    const std::string& task_name, int attempt_number) {
  return log_dir + "/" + job_id + "/" + task_name + "." + std::to_string(attempt_number) + ".log";
}

std::string FindLogPath(const std::string& log_dir, const std::string& job_id,
                        const std::string& task_name, int attempt_number) {
  std::string path = LogPath(log_dir, job_id, task_name, attempt_number);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return path;
  std::string legacy =
      log_dir + "/" + job_id + "/" + task_name + "/" + std::to_string(attempt_number) + ".log";
  return ::stat(legacy.c_str(), &st) == 0 ? legacy : path;
}

bool IsSafePathComponent(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

namespace {

// Checks the names, removes an earlier attempt's workspace and makes sure the
// job's directory exists; returns where the workspace goes. The caller puts
// an empty directory there.
Result<std::string> ClearWorkspace(const std::string& work_dir, const std::string& job_id,
                                   const std::string& task_name) {
  if (!IsSafePathComponent(job_id)) return InvalidArgument("bad job id for a path: " + job_id);
  if (!IsSafePathComponent(task_name)) {
    return InvalidArgument("bad task name for a path: " + task_name);
  }
  fs::path job_dir = fs::path(work_dir) / job_id;
  fs::path dir = job_dir / task_name;
  std::error_code ec;
  // Each attempt starts clean: a retry must not see a failed attempt's files.
  fs::remove_all(dir, ec);
  if (ec) return ErrnoStatus("remove old workspace " + dir.string(), ec.value());
  fs::create_directories(job_dir, ec);
  if (ec) return ErrnoStatus("create " + job_dir.string(), ec.value());
  return dir.string();
}

Status MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0) return ErrnoStatus("create workspace " + dir, errno);
  return Status::Ok();
}

}  // namespace

Result<std::string> PrepareWorkspace(const std::string& work_dir, const std::string& job_id,
                                     const std::string& task_name) {
  PG_ASSIGN_OR_RETURN(std::string dir, ClearWorkspace(work_dir, job_id, task_name));
  PG_RETURN_IF_ERROR(MakeDir(dir));
  return dir;
}

SpareWorkspaces::SpareWorkspaces(std::string work_dir, size_t max)
    : work_dir_(std::move(work_dir)), spare_dir_(work_dir_ + "/.spare"), max_(max) {
  std::error_code ec;
  fs::remove_all(spare_dir_, ec);
  fs::create_directories(spare_dir_, ec);
  if (ec) max_ = 0;  // no pool: every workspace is made afresh
}

Result<std::string> SpareWorkspaces::Prepare(const std::string& job_id,
                                             const std::string& task_name) {
  PG_ASSIGN_OR_RETURN(std::string dir, ClearWorkspace(work_dir_, job_id, task_name));
  while (!spares_.empty()) {
    std::string spare = std::move(spares_.back());
    spares_.pop_back();
    if (::rename(spare.c_str(), dir.c_str()) == 0) return dir;
    std::error_code ignored;  // gone or unusable: try the next, or a new one
    fs::remove_all(spare, ignored);
  }
  PG_RETURN_IF_ERROR(MakeDir(dir));
  return dir;
}

void SpareWorkspaces::Recycle(const std::string& workspace) {
  if (spares_.size() >= max_ || workspace.empty()) return;
  std::error_code ec;
  if (!fs::is_empty(workspace, ec) || ec) return;
  std::string spare = spare_dir_ + "/" + std::to_string(next_name_++);
  if (::rename(workspace.c_str(), spare.c_str()) == 0) spares_.push_back(std::move(spare));
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
