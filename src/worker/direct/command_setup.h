// What a direct command needs before it is spawned: its directories, its
// working directory (checked: the caller names a directory under the
// worker's --work-dir, never an arbitrary path) and its environment.
//
// Layout under <work_dir>/direct/:
//   <command_id>/output.log   merged stdout and stderr
//   <command_id>/work/        the default working directory
//   .running/<command_id>     the running command's process group (crash
//                             cleanup, as worker/attempt_record.h)
//
// Pure functions and an immutable value type; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pipegrid::worker::direct {

// <work_dir>/direct
std::string DirectRoot(const std::string& work_dir);
// <root>/<command_id>
std::string CommandDir(const std::string& root, const std::string& command_id);
std::string OutputPath(const std::string& root, const std::string& command_id);
// <root>/.running: ".running" can never be a command id (ids are alphanumeric).
std::string RunningRecordDir(const std::string& root);

// The absolute directory for a request's `work_dir`, relative to `work_dir`:
// InvalidArgument for an absolute path, a `..` component or a NUL. The
// directory is not created here. Empty `relative` is an error too: the caller
// picks the fresh default instead.
[[nodiscard]] Result<std::string> ResolveWorkDir(const std::string& work_dir,
                                                 std::string_view relative);

// InvalidArgument unless every name can be put in an environment block (non
// empty, no '=' and no NUL) and no value holds a NUL.
[[nodiscard]] Status ValidateEnv(const std::map<std::string, std::string>& env);

// The command's environment: `base` (the worker's own), then
// PIPEGRID_WORKSPACE (the working directory) and PIPEGRID_COMMAND_ID, then
// the request's `extra` (later entries win).
class CommandEnv {
 public:
  CommandEnv(const std::map<std::string, std::string>& base, const std::string& workspace,
             const std::string& command_id, const std::map<std::string, std::string>& extra);
  CommandEnv(const CommandEnv&) = delete;
  CommandEnv& operator=(const CommandEnv&) = delete;

  // NULL-terminated "K=V" array for posix_spawn; valid while *this lives.
  char* const* envp() const { return pointers_.data(); }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;  // into entries_, then nullptr
};

}  // namespace pipegrid::worker::direct
