// PostToLoop: OutputPump callbacks that hand each event to an EventLoop, for
// an owner (the agent, the direct command table) whose commands live on that
// loop's thread. The pump's callbacks run on the pump thread and must not
// block, so they only post.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "common/event_loop.h"
#include "worker/log_sink.h"
#include "worker/output_pump.h"

namespace pipegrid::worker {

// `on_exit` and `on_closed` run on `loop`'s thread, in the order the pump
// reported the events. `loop` must outlive the pump these callbacks go to.
OutputPump::Callbacks PostToLoop(
    EventLoop& loop, std::function<void(uint64_t token)> on_exit,
    std::function<void(uint64_t token, std::unique_ptr<LogSink> sink)> on_closed);

}  // namespace pipegrid::worker
