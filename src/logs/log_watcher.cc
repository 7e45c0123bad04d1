#include "logs/log_watcher.h"

#include "common/thread_name.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <spdlog/spdlog.h>

namespace pipegrid::logs {
namespace {

// IN_CREATE and IN_MOVED_TO fire only for a directory: a follower waiting
// for a log file that does not exist yet watches the directory it will be in.
constexpr uint32_t kMask = IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF | IN_CREATE | IN_MOVED_TO;

}  // namespace

LogWatcher::Watch::Watch(Watch&& other) noexcept
    : watcher_(std::exchange(other.watcher_, nullptr)), wd_(other.wd_), id_(other.id_) {}

LogWatcher::Watch& LogWatcher::Watch::operator=(Watch&& other) noexcept {
  if (this != &other) {
    Reset();
    watcher_ = std::exchange(other.watcher_, nullptr);
    wd_ = other.wd_;
    id_ = other.id_;
  }
  return *this;
}

void LogWatcher::Watch::Reset() {
  if (watcher_ == nullptr) return;
  std::exchange(watcher_, nullptr)->Remove(wd_, id_);
}

Result<std::unique_ptr<LogWatcher>> LogWatcher::Start() {
  worker::UniqueFd inotify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify.valid()) {
    return Unavailable("cannot watch log files: inotify_init1: " + std::string(strerror(errno)));
  }
  worker::UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) return worker::ErrnoStatus("eventfd", errno);
  std::unique_ptr<LogWatcher> watcher(new LogWatcher(std::move(inotify), std::move(wake)));
  watcher->thread_ = std::thread([w = watcher.get()] {
    NameThisThread("pg-log-watcher");
    w->ThreadMain();
  });
  return watcher;
}

LogWatcher::~LogWatcher() { Stop(); }

Result<LogWatcher::Watch> LogWatcher::Add(const std::string& path, Callback on_change) {
  std::lock_guard lock(mu_);
  if (stopped_) return Unavailable("the log watcher is stopped");
  // The same file twice gives the same descriptor: its followers share it.
  int wd = ::inotify_add_watch(inotify_.get(), path.c_str(), kMask);
  if (wd < 0) {
    int err = errno;
    if (err == ENOENT) return NotFound("no log file " + path);
    if (err == ENOSPC)
      return ResourceExhausted("inotify watch limit reached (fs.inotify.max_user_watches)");
    return worker::ErrnoStatus("inotify_add_watch " + path, err);
  }
  uint64_t id = next_id_++;
  by_wd_[wd].emplace(id, std::move(on_change));
  return Watch(this, wd, id);
}

void LogWatcher::Remove(int wd, uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = by_wd_.find(wd);
  if (it == by_wd_.end()) return;  // the kernel dropped the watch already
  it->second.erase(id);
  if (!it->second.empty()) return;
  by_wd_.erase(it);
  ::inotify_rm_watch(inotify_.get(), wd);
}

void LogWatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  uint64_t one = 1;
  (void)::write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void LogWatcher::ThreadMain() {
  // Aligned for struct inotify_event; large enough for many events per read.
  alignas(inotify_event) char buf[16 * 1024];
  pollfd fds[2] = {{inotify_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("log watcher stopped: poll: {}", strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    for (;;) {
      ssize_t n = ::read(inotify_.get(), buf, sizeof buf);
      if (n > 0) {
        Dispatch(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;  // EAGAIN: drained
    }
  }
}

void LogWatcher::Dispatch(const char* buf, size_t len) {
  std::lock_guard lock(mu_);
  for (size_t off = 0; off < len;) {
    const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
    off += sizeof(inotify_event) + ev->len;
    if (ev->mask & IN_Q_OVERFLOW) {
      // Events were lost: wake everyone, each re-reads its file.
      for (const auto& [wd, followers] : by_wd_) {
        for (const auto& [id, callback] : followers) callback();
      }
      continue;
    }
    auto it = by_wd_.find(ev->wd);
    if (it == by_wd_.end()) continue;
    for (const auto& [id, callback] : it->second) callback();
    // The kernel removed the watch (file deleted or its watch removed).
    if (ev->mask & IN_IGNORED) by_wd_.erase(it);
  }
}

}  // namespace pipegrid::logs
