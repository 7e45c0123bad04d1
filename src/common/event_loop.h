// A single-threaded message loop with timers: the scheduler's thread.
//
// Post() is thread-safe; everything else runs on the loop thread. Timers read
// the injected Clock, so with a FakeClock a test drives the loop by hand:
// Post(...), clock.Advance(...), RunPending(); no thread and no sleeps.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace pipegrid {

class EventLoop {
 public:
  using Task = std::function<void()>;
  using TimerId = uint64_t;

  explicit EventLoop(const Clock& clock);
  ~EventLoop();  // stops and joins the thread if started
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Thread-safe. Tasks run in the order posted.
  void Post(Task task);

  // Loop thread only. Timers due at the same time run in the order added.
  TimerId RunAt(MonoTime when, Task task);
  TimerId RunAfter(Millis delay, Task task);
  void CancelTimer(TimerId id);

  const Clock& clock() const { return clock_; }
  bool InLoopThread() const { return std::this_thread::get_id() == owner_; }

  // Runs the loop on its own thread, named `name`, until Stop().
  void Start(const char* name = "pg-loop");
  // Thread-safe; idempotent. Tasks already posted run before the thread ends.
  void Stop();

  // Test mode (no thread started): runs posted tasks and due timers on the
  // calling thread until none is left. Returns how many ran.
  size_t RunPending();

 private:
  void ThreadMain();
  // Runs one batch of posted tasks and the due timers. Returns how many ran.
  size_t RunOnce();

  const Clock& clock_;
  std::thread::id owner_;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> posted_;  // guarded by mu_
  bool stopping_ = false;    // guarded by mu_

  // Loop thread only. Keyed by (deadline, id) so equal deadlines keep order.
  std::map<std::pair<MonoTime, TimerId>, Task> timers_;
  std::map<TimerId, MonoTime> timer_deadlines_;
  TimerId next_timer_id_ = 1;
};

}  // namespace pipegrid
