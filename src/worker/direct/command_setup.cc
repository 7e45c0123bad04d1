#include "worker/direct/command_setup.h"

#include <filesystem>

namespace pipegrid::worker::direct {

namespace fs = std::filesystem;

std::string DirectRoot(const std::string& work_dir) { return work_dir + "/direct"; }

std::string CommandDir(const std::string& root, const std::string& command_id) {
  return root + "/" + command_id;
}

std::string OutputPath(const std::string& root, const std::string& command_id) {
  return CommandDir(root, command_id) + "/output.log";
}

std::string RunningRecordDir(const std::string& root) { return root + "/.running"; }

Result<std::string> ResolveWorkDir(const std::string& work_dir, std::string_view relative) {
  if (relative.empty()) return InvalidArgument("work_dir is empty", "work_dir");
  if (relative.find('\0') != std::string_view::npos) {
    return InvalidArgument("work_dir holds a NUL byte", "work_dir");
  }
  fs::path rel(relative);
  if (rel.is_absolute()) {
    return InvalidArgument(
        "work_dir must be relative to the worker's --work-dir: " + std::string(relative),
        "work_dir");
  }
  // Checked on the path as written, before any normalisation could fold
  // "a/../.." into something that looks harmless.
  for (const fs::path& part : rel) {
    if (part == "..") {
      return InvalidArgument("work_dir must not contain '..': " + std::string(relative),
                             "work_dir");
    }
  }
  fs::path resolved = (fs::path(work_dir) / rel).lexically_normal();
  std::string out = resolved.string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

Status ValidateEnv(const std::map<std::string, std::string>& env) {
  for (const auto& [name, value] : env) {
    if (name.empty() || name.find('=') != std::string::npos ||
        name.find('\0') != std::string::npos) {
      return InvalidArgument("bad environment variable name: '" + name + "'", "env");
    }
    if (value.find('\0') != std::string::npos) {
      return InvalidArgument("environment variable " + name + " holds a NUL byte", "env");
    }
  }
  return Status::Ok();
}

CommandEnv::CommandEnv(const std::map<std::string, std::string>& base, const std::string& workspace,
                       const std::string& command_id,
                       const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env = base;
  env["PIPEGRID_WORKSPACE"] = workspace;
  env["PIPEGRID_COMMAND_ID"] = command_id;
  for (const auto& [k, v] : extra) env[k] = v;
  entries_.reserve(env.size());
  for (const auto& [k, v] : env) entries_.push_back(k + "=" + v);
  pointers_.reserve(entries_.size() + 1);
  for (std::string& e : entries_) pointers_.push_back(e.data());
  pointers_.push_back(nullptr);
}

}  // namespace pipegrid::worker::direct
