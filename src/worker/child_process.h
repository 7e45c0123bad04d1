// ChildProcess: one `/bin/sh -c CMD` leading its own new process group.
//
// The owner type for a spawned command (STYLE "Ownership and RAII"): while it
// holds an unreaped leader, the leader's pid (= the group id) cannot be reused,
// so signalling the group is safe; its destructor SIGKILLs the group and reaps
// the leader, so no path leaks a process or a zombie.
//
// Spawning uses posix_spawn (vfork-like, much cheaper than fork for a large
// parent) with every descriptor above 2 closed in the child, default signal
// dispositions and an empty signal mask, whatever the agent's host process set.
//
// Thread-safety: not thread-safe; one owner thread. The host process must not
// reap children it did not spawn itself (waitpid(-1)).
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"
#include "worker/posix_util.h"

namespace pipegrid::worker {

struct SpawnOptions {
  std::string command;          // run as /bin/sh -c command
  std::string cwd;              // working directory of the child
  char* const* envp = nullptr;  // NULL-terminated "K=V" array; only read during Spawn()
  int output_fd = -1;           // becomes the child's stdout and stderr
};

struct ExitStatus {
  bool signaled = false;  // true: killed by `value`; false: exited with `value`
  int value = 0;
};

class ChildProcess {
 public:
  // stdin is /dev/null. Fails if the process could not be started (the shell
  // was not found, cwd does not exist, out of resources).
  [[nodiscard]] static Result<ChildProcess> Spawn(const SpawnOptions& options);

  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // KillGroupAndReap() unless already reaped

  // The leader's pid, which is also the process group id.
  pid_t pid() const { return pid_; }
  // True while the leader has not been reaped by this object.
  bool running() const { return pid_ > 0; }

  // Sends `sig` to every process of the group. A no-op once reaped, because
  // the group id may then name somebody else's group.
  void SignalGroup(int sig) const;

  // A pidfd for the leader: readable once it exits (watch it with epoll).
  [[nodiscard]] Result<UniqueFd> OpenPidfd() const;

  // SIGKILLs the whole group, then reaps the leader (blocking until it is
  // gone; immediate when it has already exited). Killing before reaping keeps
  // the group id pinned while we signal it. Internal error if something else
  // in the host process reaped the leader.
  [[nodiscard]] Result<ExitStatus> KillGroupAndReap();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;  // -1: none or reaped
};

}  // namespace pipegrid::worker
