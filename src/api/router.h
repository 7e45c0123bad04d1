// Method + path pattern -> handler. Patterns are literal segments and `{name}`
// parameters ("/api/v1/jobs/{id}/tasks/{task}/logs"); a parameter matches one
// non-empty segment. The last segment may be a trailing wildcard `{name...}`:
// it matches one or more non-empty segments, which arrive decoded one by one
// and joined with '/' ("a/b%20c" -> "a/b c"). Paths are split on '/' before
// percent-decoding, so a task named "ocr[0]" arrives as "ocr%5B0%5D" and an
// encoded "%2F" stays inside its segment (a wildcard's value cannot tell it
// from a real '/': handlers must check it against what they serve, never use
// it as a file path).
//
// Thread-safety: build the router on one thread (Add), then Find() may be
// called from any number of threads.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_message.h"
#include "common/status.h"

namespace pipegrid::api {

using Handler = std::function<void(const Request&, Responder)>;

// Decodes %XX escapes; with `plus_is_space` (query strings) '+' is a space.
// InvalidArgument on a truncated or non-hex escape.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Parses "a=1&b=x%20y&a=2" into decoded pairs, in order. A name without '='
// has an empty value; empty pieces ("a=1&&b=2") are skipped.
Result<QueryParams> ParseQuery(std::string_view query);

class Router {
 public:
  enum class Outcome {
    kFound,
    kNotFound,          // no pattern matches the path: 404
    kMethodNotAllowed,  // the path matches, not with this method: 405 + Allow
    kBadPath,           // an invalid percent escape: 400
  };

  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Handler* handler = nullptr;  // set when kFound; owned by the router
    std::string pattern;               // the matched pattern: a metrics label
    PathParams params;
    std::string allow;  // kMethodNotAllowed: "GET, POST"
    std::string error;  // kBadPath: what was wrong
  };

  // Aborts on a malformed pattern or a duplicate (method, pattern): both are
  // programming errors in route registration.
  void Add(http::verb method, std::string pattern, Handler handler);

  // `path` is the request path without its query, still percent-encoded.
  // When several patterns match, the one with the most literal segments wins
  // ("/jobs/by-external-id/{x}" over "/jobs/{id}/{y}"), then one without a
  // wildcard.
  Match Find(http::verb method, std::string_view path) const;

  // Every registered (method, pattern), in registration order.
  std::vector<std::pair<http::verb, std::string>> Routes() const;

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    http::verb method;
    std::string pattern;
    std::vector<Segment> segments;
    int literal_count = 0;
    bool wildcard = false;  // the last segment is `{name...}`
    Handler handler;
  };

  std::vector<Route> routes_;
};

// The same routes with each handler replaced by `wrap(method, pattern,
// handler)`: how timing and authentication are layered over every route.
using RouteWrapper = std::function<Handler(http::verb, const std::string&, Handler)>;
Router WrapRoutes(Router routes, const RouteWrapper& wrap);

}  // namespace pipegrid::api
