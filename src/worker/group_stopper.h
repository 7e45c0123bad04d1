// GroupStopper: stops one process group the way both an attempt's command and
// a direct command are stopped - SIGTERM, then SIGKILL once a grace period
// has passed, on a timer of the owner's loop.
//
// A second Stop() may only bring the SIGKILL forward, never push it back:
// a user's "kill now" must win over a timeout's longer grace, and a late,
// gentler stop must not grant a group more time than it was already given.
//
// Thread-safety: not thread-safe; every method runs on the loop thread.
#pragma once

#include <functional>
#include <optional>

#include "common/clock.h"
#include "common/event_loop.h"

namespace pipegrid::worker {

class GroupStopper {
 public:
  // `signal_group(sig)` sends `sig` to the group; it is called on the loop
  // thread, also from the timer, so it must be harmless once the group is
  // reaped. `loop` outlives the stopper.
  GroupStopper(EventLoop& loop, std::function<void(int sig)> signal_group);
  GroupStopper(const GroupStopper&) = delete;
  GroupStopper& operator=(const GroupStopper&) = delete;

  // With grace <= 0: SIGKILL now. Otherwise SIGTERM now, the first time, and
  // SIGKILL at now + grace unless one is due sooner already.
  void Stop(Millis grace);

  // No SIGKILL is due any more (the group is gone). The owner calls this
  // before it goes, so that the timer never outlives it.
  void Cancel();

 private:
  EventLoop& loop_;
  const std::function<void(int sig)> signal_group_;
  std::optional<EventLoop::TimerId> kill_timer_;
  MonoTime kill_deadline_{};  // when kill_timer_ fires
};

}  // namespace pipegrid::worker
