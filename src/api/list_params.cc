#include "api/list_params.h"

#include <algorithm>
#include <charconv>

#include "api/access.h"
#include "common/states.h"

namespace pipegrid::api {
namespace {

template <typename Int>
std::optional<Int> ParseInt(std::string_view text) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Splits "A,B" on commas, skipping empty pieces.
std::vector<std::string_view> SplitCommas(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view piece = text.substr(0, comma);
    if (!piece.empty()) out.push_back(piece);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

Result<int> ParseLimit(const Request& request) {
  std::optional<std::string> text = request.Query("limit");
  if (!text) return kDefaultLimit;
  std::optional<int> limit = ParseInt<int>(*text);
  if (!limit || *limit < 1 || *limit > kMaxLimit) {
    return InvalidArgument(
        "limit must be a number from 1 to " + std::to_string(kMaxLimit) + ", got \"" + *text + "\"",
        "limit");
  }
  return *limit;
}

namespace {

// ?namespace=, which a token must hold: one it doesn't is answered as if it
// had no jobs at all would be a lie, and naming it would leak it: 404.
Result<std::string> VisibleNamespaceParam(const Request& request) {
  std::string namespace_ = request.Query("namespace").value_or("");
  if (!namespace_.empty() && !MaySee(request, namespace_)) {
    return NotFound("namespace " + namespace_ + " not found");
  }
  return namespace_;
}

}  // namespace

Result<store::JobFilter> ParseJobFilter(const Request& request) {
  store::JobFilter filter;
  PG_ASSIGN_OR_RETURN(filter.limit, ParseLimit(request));
  for (const std::string& value : request.QueryAll("state")) {
    for (std::string_view name : SplitCommas(value)) {
      std::optional<JobState> state = ParseJobState(name);
      if (!state) {
        return InvalidArgument("unknown job state \"" + std::string(name) +
                                   "\"; expected PENDING, RUNNING, SUCCEEDED, FAILED or "
                                   "CANCELLED",
                               "state");
      }
      filter.states.push_back(*state);
    }
  }
  for (const std::string& value : request.QueryAll("label")) {
    size_t eq = value.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgument("label must be key=value, got \"" + value + "\"", "label");
    }
    filter.labels[value.substr(0, eq)] = value.substr(eq + 1);
  }
  PG_ASSIGN_OR_RETURN(filter.namespace_, VisibleNamespaceParam(request));
  filter.namespaces_in = VisibleNamespaces(request);
  filter.after = request.Query("after").value_or("");
  return filter;
}

Result<store::DeadLetterFilter> ParseDeadLetterFilter(const Request& request) {
  store::DeadLetterFilter filter;
  PG_ASSIGN_OR_RETURN(filter.limit, ParseLimit(request));
  PG_ASSIGN_OR_RETURN(filter.namespace_, VisibleNamespaceParam(request));
  filter.namespaces_in = VisibleNamespaces(request);
  filter.after = request.Query("after").value_or("");
  return filter;
}

Result<store::EventFilter> ParseEventFilter(const Request& request) {
  store::EventFilter filter;
  PG_ASSIGN_OR_RETURN(filter.limit, ParseLimit(request));
  for (const char* name : {"since", "after"}) {
    std::optional<std::string> text = request.Query(name);
    if (!text) continue;
    std::optional<int64_t> seq = ParseInt<int64_t>(*text);
    if (!seq || *seq < 0) {
      return InvalidArgument(
          std::string(name) + " must be an event sequence number, got \"" + *text + "\"", name);
    }
    filter.since = std::max(filter.since, *seq);
  }
  return filter;
}

}  // namespace pipegrid::api
