// Small POSIX helpers for the worker: an owning file descriptor and errno
// converted to Status.
//
// Thread-safety: UniqueFd is a value type (one owner); the functions are
// thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace pipegrid::worker {

// Owns one file descriptor and closes it on destruction. -1 means "none".
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(other.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// A Status for a failed system call: `what` plus strerror(err), with a code
// chosen by what the caller can do about it (out of fds/space: retry later).
Status ErrnoStatus(const std::string& what, int err);

// pipe2(O_CLOEXEC); the read end is also O_NONBLOCK (it is drained by epoll),
// the write end stays blocking because it becomes a child's stdout.
struct Pipe {
  UniqueFd read;
  UniqueFd write;
};
[[nodiscard]] Result<Pipe> MakeOutputPipe();

// pidfd_open(2) and pidfd_send_signal(2) through syscall(2): glibc 2.36's
// <sys/pidfd.h> declares them without C linkage, so C++ cannot link them.
// Return -1 and set errno on failure, like the system calls.
int PidfdOpen(pid_t pid);
int PidfdSendSignal(int pidfd, int sig);

// Writes all of `data`, retrying on EINTR and short writes.
[[nodiscard]] Status WriteAll(int fd, std::string_view data);

}  // namespace pipegrid::worker
