// Query parameters of the list routes -> store filters. Errors are
// InvalidArgument with field() naming the query parameter ("limit").
//
// DESIGN §5: `limit` defaults to 100 and must be 1..1000; `after` takes the
// previous page's nextPageToken. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/http_message.h"
#include "common/status.h"
#include "store/store.h"

namespace pipegrid::api {

inline constexpr int kDefaultLimit = 100;
inline constexpr int kMaxLimit = 1000;

Result<int> ParseLimit(const Request& request);

// state=A,B (may repeat), label=k=v (may repeat; all must match),
// namespace=, limit=, after=.
Result<store::JobFilter> ParseJobFilter(const Request& request);

// namespace=, limit=, after=.
Result<store::DeadLetterFilter> ParseDeadLetterFilter(const Request& request);

// since= (or after=, the page token: both mean "seq greater than"), limit=.
// The filter's job_id is left for the caller.
Result<store::EventFilter> ParseEventFilter(const Request& request);

// A page of `limit` items out of a store result fetched with limit + 1: the
// extra item only tells whether another page exists. Trims `items` and returns
// the token of its last item, or nullopt when this was the last page.
template <typename T, typename TokenOf>
std::optional<std::string> TakePage(std::vector<T>& items, int limit, TokenOf token_of) {
  if (static_cast<int>(items.size()) <= limit) return std::nullopt;
  items.resize(limit);
  return token_of(items.back());
}

}  // namespace pipegrid::api
