#include "common/event_loop.h"

#include "common/thread_name.h"

#include "common/status.h"

namespace pipegrid {

EventLoop::EventLoop(const Clock& clock) : clock_(clock), owner_(std::this_thread::get_id()) {}

EventLoop::~EventLoop() { Stop(); }

void EventLoop::Post(Task task) {
  {
    std::lock_guard lock(mu_);
    posted_.push_back(std::move(task));
  }
  cv_.notify_one();
}

EventLoop::TimerId EventLoop::RunAt(MonoTime when, Task task) {
  PG_DCHECK(InLoopThread());
  TimerId id = next_timer_id_++;
  timers_.emplace(std::make_pair(when, id), std::move(task));
  timer_deadlines_.emplace(id, when);
  return id;
}

EventLoop::TimerId EventLoop::RunAfter(Millis delay, Task task) {
  return RunAt(clock_.Monotonic() + delay, std::move(task));
}

void EventLoop::CancelTimer(TimerId id) {
  PG_DCHECK(InLoopThread());
  auto it = timer_deadlines_.find(id);
  if (it == timer_deadlines_.end()) return;
  timers_.erase({it->second, id});
  timer_deadlines_.erase(it);
}

void EventLoop::Start(const char* name) {
  PG_CHECK(!thread_.joinable());
  thread_ = std::thread([this, name] {
    NameThisThread(name);
    ThreadMain();
  });
  // owner_ is set by the thread itself before it runs anything; wait for it so
  // InLoopThread() is right for callers that post right after Start().
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return owner_ == thread_.get_id(); });
}

void EventLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) thread_.join();
}

size_t EventLoop::RunPending() {
  size_t total = 0;
  while (size_t n = RunOnce()) total += n;
  return total;
}

size_t EventLoop::RunOnce() {
  std::deque<Task> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(posted_);
  }
  size_t ran = 0;
  for (Task& t : batch) {
    t();
    ++ran;
  }
  // Due timers; a timer added while running with a past deadline runs in the
  // next round, so a timer that re-arms itself at "now" cannot starve posts.
  MonoTime now = clock_.Monotonic();
  std::vector<Task> due;
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    timer_deadlines_.erase(node.key().second);
    due.push_back(std::move(node.mapped()));
  }
  for (Task& t : due) {
    t();
    ++ran;
  }
  return ran;
}

void EventLoop::ThreadMain() {
  {
    std::lock_guard lock(mu_);
    owner_ = std::this_thread::get_id();
  }
  cv_.notify_all();
  for (;;) {
    RunOnce();
    std::unique_lock lock(mu_);
    if (!posted_.empty()) continue;
    if (stopping_) break;
    if (timers_.empty()) {
      cv_.wait(lock, [this] { return !posted_.empty() || stopping_; });
    } else {
      MonoTime next = timers_.begin()->first.first;
      auto wait = next - clock_.Monotonic();
      if (wait > MonoTime::duration::zero()) {
        cv_.wait_for(lock, wait, [this] { return !posted_.empty() || stopping_; });
      }
    }
  }
  // Drain what was posted before Stop() so no reply is lost.
  RunOnce();
}

}  // namespace pipegrid
