// The environment of an attempt's commands (DESIGN §2): the worker's own
// environment, then the PIPEGRID_* variables, then the assignment's `env`
// (later entries win).
//
// Thread-safety: Environment is immutable after construction; share freely.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/worker_protocol.h"

namespace pipegrid::worker {

// A snapshot of this process's environ. Taken once when the agent starts:
// reading environ while another thread calls setenv() is a data race.
std::map<std::string, std::string> SnapshotProcessEnvironment();

class Environment {
 public:
  Environment(const std::map<std::string, std::string>& base, const protocol::Assignment& a,
              const std::string& workspace);
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // NULL-terminated "K=V" array for posix_spawn; valid while *this lives.
  char* const* envp() const { return pointers_.data(); }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;  // into entries_, then nullptr
};

}  // namespace pipegrid::worker
