#include "logs/sse.h"

namespace pipegrid::logs {

std::string SseEvent(std::string_view id, std::string_view type, std::string_view data) {
  std::string out;
  out.reserve(data.size() + type.size() + id.size() + 32);
  if (!id.empty()) out.append("id: ").append(id).append("\n");
  if (!type.empty()) out.append("event: ").append(type).append("\n");
  // Every line of `data`, the last one included even when empty: a client
  // drops the final line break it adds, so "a\n" must go out as "a" + "".
  size_t start = 0;
  for (;;) {
    size_t end = data.find_first_of("\r\n", start);
    out.append("data: ").append(data.substr(start, end - start)).append("\n");
    if (end == std::string_view::npos) break;
    start = end + 1;
    if (data[end] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
  out.append("\n");
  return out;
}

}  // namespace pipegrid::logs
