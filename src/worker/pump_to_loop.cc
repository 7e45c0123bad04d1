#include "worker/pump_to_loop.h"

#include <utility>

namespace pipegrid::worker {

OutputPump::Callbacks PostToLoop(
    EventLoop& loop, std::function<void(uint64_t token)> on_exit,
    std::function<void(uint64_t token, std::unique_ptr<LogSink> sink)> on_closed) {
  OutputPump::Callbacks callbacks;
  callbacks.leader_exited = [&loop, on_exit = std::move(on_exit)](uint64_t token) {
    loop.Post([on_exit, token] { on_exit(token); });
  };
  callbacks.stream_closed = [&loop, on_closed = std::move(on_closed)](
                                uint64_t token, std::unique_ptr<LogSink> sink) {
    // EventLoop tasks must be copyable; the sink rides in a shared holder.
    auto holder = std::make_shared<std::unique_ptr<LogSink>>(std::move(sink));
    loop.Post([on_closed, token, holder] { on_closed(token, std::move(*holder)); });
  };
  return callbacks;
}

}  // namespace pipegrid::worker
