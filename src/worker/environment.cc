#include "worker/environment.h"

#include <unistd.h>

extern char** environ;

namespace pipegrid::worker {

std::map<std::string, std::string> SnapshotProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** p = environ; p != nullptr && *p != nullptr; ++p) {
    std::string entry(*p);
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

Environment::Environment(const std::map<std::string, std::string>& base,
                         const protocol::Assignment& a, const std::string& workspace) {
  std::map<std::string, std::string> env = base;
  env["PIPEGRID_WORKSPACE"] = workspace;
  env["PIPEGRID_JOB_ID"] = a.job_id;
  env["PIPEGRID_TASK"] = a.task_name;
  env["PIPEGRID_ATTEMPT"] = std::to_string(a.attempt_number);
  env["PIPEGRID_ATTEMPT_ID"] = a.attempt_id;
  for (const auto& [k, v] : a.env) env[k] = v;

  entries_.reserve(env.size());
  for (const auto& [k, v] : env) {
    // A name with '=' or NUL cannot be represented; the master's validation
    // should have refused it, so drop rather than corrupt the block.
    if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos) {
      continue;
    }
    entries_.push_back(k + "=" + v);
  }
  pointers_.reserve(entries_.size() + 1);
  for (std::string& e : entries_) pointers_.push_back(e.data());
  pointers_.push_back(nullptr);
}

}  // namespace pipegrid::worker
