#include "worker/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <utility>

namespace pipegrid::worker {
namespace {

// posix_spawn attribute and file-action objects with guaranteed destroy.
class SpawnAttr {
 public:
  SpawnAttr() { ok_ = ::posix_spawnattr_init(&attr_) == 0; }
  ~SpawnAttr() {
    if (ok_) ::posix_spawnattr_destroy(&attr_);
  }
  SpawnAttr(const SpawnAttr&) = delete;
  SpawnAttr& operator=(const SpawnAttr&) = delete;
  bool ok() const { return ok_; }
  posix_spawnattr_t* get() { return &attr_; }

 private:
  posix_spawnattr_t attr_;
  bool ok_ = false;
};

class FileActions {
 public:
  FileActions() { ok_ = ::posix_spawn_file_actions_init(&actions_) == 0; }
  ~FileActions() {
    if (ok_) ::posix_spawn_file_actions_destroy(&actions_);
  }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  bool ok() const { return ok_; }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
  bool ok_ = false;
};

Status SetUpAttributes(posix_spawnattr_t* attr) {
  // The host may block or ignore signals (a server typically ignores SIGPIPE);
  // a tool must start with the defaults or `yes | head` would never end.
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t all;
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  int rc = ::posix_spawnattr_setflags(
      attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (rc == 0)
    rc = ::posix_spawnattr_setpgroup(attr, 0);  // 0: a new group named by the child's pid
  if (rc == 0) rc = ::posix_spawnattr_setsigmask(attr, &empty);
  if (rc == 0) rc = ::posix_spawnattr_setsigdefault(attr, &all);
  return rc == 0 ? Status::Ok() : ErrnoStatus("posix_spawnattr", rc);
}

Status SetUpFileActions(posix_spawn_file_actions_t* actions, const SpawnOptions& options) {
  int rc = ::posix_spawn_file_actions_addopen(actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(actions, options.output_fd, STDOUT_FILENO);
  if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(actions, options.output_fd, STDERR_FILENO);
  // Belt and braces next to O_CLOEXEC: a descriptor some other library opened
  // without it (sockets, the store) must not leak into user commands.
  if (rc == 0) rc = ::posix_spawn_file_actions_addclosefrom_np(actions, STDERR_FILENO + 1);
  if (rc == 0) rc = ::posix_spawn_file_actions_addchdir_np(actions, options.cwd.c_str());
  return rc == 0 ? Status::Ok() : ErrnoStatus("posix_spawn_file_actions", rc);
}

}  // namespace

Result<ChildProcess> ChildProcess::Spawn(const SpawnOptions& options) {
  PG_CHECK(options.output_fd > STDERR_FILENO);
  PG_CHECK(options.envp != nullptr);
  SpawnAttr attr;
  FileActions actions;
  if (!attr.ok() || !actions.ok()) return ResourceExhausted("posix_spawn: init failed");
  PG_RETURN_IF_ERROR(SetUpAttributes(attr.get()));
  PG_RETURN_IF_ERROR(SetUpFileActions(actions.get(), options));

  const char* argv[] = {"/bin/sh", "-c", options.command.c_str(), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, "/bin/sh", actions.get(), attr.get(), const_cast<char* const*>(argv),
                         options.envp);
  if (rc != 0) return ErrnoStatus("posix_spawn /bin/sh in " + options.cwd, rc);
  return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (running()) KillGroupAndReap().status().IgnoreError();
    pid_ = std::exchange(other.pid_, -1);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  // Nothing useful to do with an error here: the leader is gone either way.
  if (running()) KillGroupAndReap().status().IgnoreError();
}

void ChildProcess::SignalGroup(int sig) const {
  if (!running()) return;
  // ESRCH cannot happen while the leader is unreaped; other errors would be
  // a bug in how the group was created.
  ::kill(-pid_, sig);
}

Result<UniqueFd> ChildProcess::OpenPidfd() const {
  PG_CHECK(running());
  UniqueFd fd(PidfdOpen(pid_));
  if (!fd.valid()) return ErrnoStatus("pidfd_open", errno);
  // pidfd_open sets close-on-exec itself; a pidfd is never inherited.
  return fd;
}

Result<ExitStatus> ChildProcess::KillGroupAndReap() {
  PG_CHECK(running());
  ::kill(-pid_, SIGKILL);
  siginfo_t info{};
  int rc;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED);
  } while (rc != 0 && errno == EINTR);
  int err = errno;
  pid_ = -1;
  if (rc != 0) return ErrnoStatus("waitid", err);
  ExitStatus status;
  status.signaled = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
  status.value = info.si_status;
  return status;
}

}  // namespace pipegrid::worker
