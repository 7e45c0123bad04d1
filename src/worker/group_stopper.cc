#include "worker/group_stopper.h"

#include <signal.h>

#include <utility>

namespace pipegrid::worker {

GroupStopper::GroupStopper(EventLoop& loop, std::function<void(int sig)> signal_group)
    : loop_(loop), signal_group_(std::move(signal_group)) {}

void GroupStopper::Stop(Millis grace) {
  if (grace <= Millis(0)) {
    Cancel();
    signal_group_(SIGKILL);
    return;
  }
  const MonoTime deadline = loop_.clock().Monotonic() + grace;
  if (kill_timer_) {
    if (deadline >= kill_deadline_) return;
    Cancel();
  } else {
    signal_group_(SIGTERM);
  }
  kill_deadline_ = deadline;
  kill_timer_ = loop_.RunAt(deadline, [this] {
    kill_timer_.reset();
    signal_group_(SIGKILL);
  });
}

void GroupStopper::Cancel() {
  if (kill_timer_) loop_.CancelTimer(*kill_timer_);
  kill_timer_.reset();
}

}  // namespace pipegrid::worker
