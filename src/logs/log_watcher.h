// LogWatcher: wakes log followers when an attempt's log file grows.
//
// Built on inotify: one instance and one thread serve every follower, and the
// followers of one file share one kernel watch. The writer (the worker's
// output pump) knows nothing of it: the kernel queues the events (merging
// repeats) without ever making the writer wait, so any number of followers
// cannot slow a task down, and logs written by any process are followed the
// same way.
//
// Thread-safety: every method is thread-safe. Callbacks run on the watcher's
// thread under its lock, so once a Watch is destroyed its callback is not
// running and never runs again; a callback must be quick and must not block
// or touch the watcher (post to your own executor).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "common/status.h"
#include "worker/posix_util.h"

namespace pipegrid::logs {

class LogWatcher {
 public:
  using Callback = std::function<void()>;

  // Removes the watch on destruction. Move-only; must not outlive its watcher.
  class Watch {
   public:
    Watch() = default;
    ~Watch() { Reset(); }
    Watch(Watch&& other) noexcept;
    Watch& operator=(Watch&& other) noexcept;
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    void Reset();

   private:
    friend class LogWatcher;
    Watch(LogWatcher* watcher, int wd, uint64_t id) : watcher_(watcher), wd_(wd), id_(id) {}
    LogWatcher* watcher_ = nullptr;
    int wd_ = -1;
    uint64_t id_ = 0;
  };

  // Unavailable when inotify cannot be set up (the per-user instance limit).
  [[nodiscard]] static Result<std::unique_ptr<LogWatcher>> Start();
  ~LogWatcher();  // Stop()
  LogWatcher(const LogWatcher&) = delete;
  LogWatcher& operator=(const LogWatcher&) = delete;

  // Calls `on_change` after `path` is written to, and once more if it is
  // deleted or renamed (the watch then ends). For a directory: after an
  // entry is created in it or moved into it. NotFound if the file does not
  // exist; ResourceExhausted at the system's inotify watch limit.
  [[nodiscard]] Result<Watch> Add(const std::string& path, Callback on_change);

  // Ends the thread; callbacks no longer run. Idempotent.
  void Stop();

 private:
  LogWatcher(worker::UniqueFd inotify, worker::UniqueFd wake)
      : inotify_(std::move(inotify)), wake_(std::move(wake)) {}
  void ThreadMain();
  // Runs the callbacks the events in buf[0, len) call for.
  void Dispatch(const char* buf, size_t len);
  void Remove(int wd, uint64_t id);

  const worker::UniqueFd inotify_;
  const worker::UniqueFd wake_;  // eventfd: Stop() was called
  std::thread thread_;

  std::mutex mu_;
  uint64_t next_id_ = 1;  // guarded by mu_
  bool stopped_ = false;  // guarded by mu_
  // Kernel watch descriptor -> its followers; an entry goes with its last
  // follower (inotify_rm_watch) or when the kernel drops the watch.
  std::unordered_map<int, std::map<uint64_t, Callback>> by_wd_;  // guarded by mu_
};

}  // namespace pipegrid::logs
