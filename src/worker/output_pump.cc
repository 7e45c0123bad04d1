#include "worker/output_pump.h"

#include "common/thread_name.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <limits>

namespace pipegrid::worker {
namespace {

constexpr uint64_t kWakeKey = std::numeric_limits<uint64_t>::max();
constexpr size_t kReadChunk = 64 * 1024;
// Reads per readiness event before going back to epoll: a chatty command must
// not starve the others' pipes (epoll is level-triggered, so the rest follows).
constexpr int kReadsPerEvent = 16;

}  // namespace

Result<std::unique_ptr<OutputPump>> OutputPump::Start(Callbacks callbacks) {
  UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll.valid()) return ErrnoStatus("epoll_create1", errno);
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) return ErrnoStatus("eventfd", errno);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeKey;
  if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, wake.get(), &ev) != 0) {
    return ErrnoStatus("epoll_ctl(eventfd)", errno);
  }
  std::unique_ptr<OutputPump> pump(
      new OutputPump(std::move(callbacks), std::move(epoll), std::move(wake)));
  pump->thread_ = std::thread([p = pump.get()] {
    NameThisThread("pg-output-pump");
    p->ThreadMain();
  });
  return pump;
}

OutputPump::OutputPump(Callbacks callbacks, UniqueFd epoll, UniqueFd wake)
    : callbacks_(std::move(callbacks)), epoll_(std::move(epoll)), wake_(std::move(wake)) {}

OutputPump::~OutputPump() { Stop(); }

void OutputPump::Watch(uint64_t token, UniqueFd pipe, UniqueFd pidfd,
                       std::unique_ptr<LogSink> sink) {
  Enqueue(Op{Op::kWatch, Stream{token, std::move(pipe), std::move(pidfd), std::move(sink)}});
}

void OutputPump::Abandon(uint64_t token) { Enqueue(Op{Op::kAbandon, Stream{token, {}, {}, {}}}); }

void OutputPump::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    ops_.push_back(Op{Op::kStop, {}});
  }
  uint64_t one = 1;
  (void)::write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void OutputPump::Enqueue(Op op) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;  // the fds and sink in `op` close here
    ops_.push_back(std::move(op));
  }
  uint64_t one = 1;
  // Cannot fail short of a full counter (2^64 - 2 wakes without a read).
  (void)::write(wake_.get(), &one, sizeof one);
}

void OutputPump::ThreadMain() {
  epoll_event events[64];
  for (;;) {
    int n = ::epoll_wait(epoll_.get(), events, 64, -1);
    if (n < 0) {
      PG_CHECK(errno == EINTR);
      continue;
    }
    for (int i = 0; i < n; ++i) {
      uint64_t data = events[i].data.u64;
      if (data == kWakeKey) {
        uint64_t count;
        (void)::read(wake_.get(), &count, sizeof count);
        if (!RunOps()) return;
      } else if (data % 2 == 0) {
        OnPipeReadable(data / 2, /*abandon=*/false);
      } else {
        OnPidfdReadable(data / 2);
      }
    }
  }
}

bool OutputPump::RunOps() {
  std::deque<Op> ops;
  {
    std::lock_guard lock(mu_);
    ops.swap(ops_);
  }
  for (Op& op : ops) {
    switch (op.kind) {
      case Op::kStop:
        streams_.clear();
        key_by_token_.clear();
        return false;
      case Op::kWatch:
        AddStream(std::move(op.stream));
        break;
      case Op::kAbandon: {
        auto it = key_by_token_.find(op.stream.token);
        if (it != key_by_token_.end()) OnPipeReadable(it->second, /*abandon=*/true);
        break;
      }
    }
  }
  return true;
}

void OutputPump::AddStream(Stream stream) {
  uint64_t key = next_key_++;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = key * 2;
  // Adding a fresh pipe or pidfd to our own epoll only fails when the kernel
  // is out of memory; there is no way to supervise the command without it.
  PG_CHECK(::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, stream.pipe.get(), &ev) == 0);
  ev.data.u64 = key * 2 + 1;
  PG_CHECK(::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, stream.pidfd.get(), &ev) == 0);
  key_by_token_[stream.token] = key;
  streams_.emplace(key, std::move(stream));
}

void OutputPump::OnPipeReadable(uint64_t key, bool abandon) {
  auto it = streams_.find(key);
  if (it == streams_.end() || !it->second.pipe.valid()) return;
  Stream& s = it->second;
  char buf[kReadChunk];
  bool eof = false;
  // Bounded even when abandoning: an escaped writer could refill it forever.
  // kReadsPerEvent chunks exceed the default pipe capacity, so what the pipe
  // held when we were asked is taken.
  for (int i = 0; i < kReadsPerEvent; ++i) {
    ssize_t n = ::read(s.pipe.get(), buf, sizeof buf);
    if (n > 0) {
      s.sink->Append(std::string_view(buf, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    eof = true;  // 0 = EOF; any other error means the pipe is unusable too
    break;
  }
  if (!eof && !abandon) return;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, s.pipe.get(), nullptr);
  s.pipe.Reset();
  callbacks_.stream_closed(s.token, std::move(s.sink));
  EraseIfDone(key);
}

void OutputPump::OnPidfdReadable(uint64_t key) {
  auto it = streams_.find(key);
  if (it == streams_.end() || !it->second.pidfd.valid()) return;
  Stream& s = it->second;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, s.pidfd.get(), nullptr);
  s.pidfd.Reset();
  callbacks_.leader_exited(s.token);
  EraseIfDone(key);
}

void OutputPump::EraseIfDone(uint64_t key) {
  auto it = streams_.find(key);
  if (it == streams_.end() || it->second.pipe.valid() || it->second.pidfd.valid()) return;
  key_by_token_.erase(it->second.token);
  streams_.erase(it);
}

}  // namespace pipegrid::worker
