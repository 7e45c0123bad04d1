// Server-sent events framing (the WHATWG "text/event-stream" format).
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace pipegrid::logs {

inline constexpr const char* kSseContentType = "text/event-stream; charset=utf-8";
// A comment line: ignored by clients, keeps proxies and idle timers at bay.
inline constexpr const char* kSseKeepalive = ": keepalive\n\n";

// One event: "id: ID\nevent: TYPE\n" then one "data:" line per line of
// `data`, then a blank line. An empty `id` or `type` is left out. SSE ends a
// line at LF, CR or CRLF, so each of those in `data` becomes a line break
// (a client joins the data lines with LF: CR and CRLF arrive as LF).
std::string SseEvent(std::string_view id, std::string_view type, std::string_view data);

}  // namespace pipegrid::logs
