#include "api/router.h"

#include <algorithm>
#include <memory>

namespace pipegrid::api {
namespace {

constexpr std::string_view kWildcardSuffix = "...";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "/a/b/" -> {"a", "b", ""}, "/" -> {}; the leading '/' is required by the
// caller.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  path.remove_prefix(1);
  if (path.empty()) return parts;
  while (true) {
    size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument("invalid percent-encoding in \"" + std::string(text) + "\"");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<QueryParams> ParseQuery(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string_view raw_name = piece.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
    PG_ASSIGN_OR_RETURN(std::string name, PercentDecode(raw_name, true));
    PG_ASSIGN_OR_RETURN(std::string value, PercentDecode(raw_value, true));
    params.emplace_back(std::move(name), std::move(value));
  }
  return params;
}

void Router::Add(http::verb method, std::string pattern, Handler handler) {
  PG_CHECK(!pattern.empty() && pattern.front() == '/');
  Route route{method, pattern, {}, 0, false, std::move(handler)};
  for (std::string_view part : SplitPath(pattern)) {
    PG_CHECK(!part.empty());
    PG_CHECK(!route.wildcard);  // a wildcard must be the last segment
    if (part.front() == '{') {
      PG_CHECK(part.size() > 2 && part.back() == '}');
      std::string_view name = part.substr(1, part.size() - 2);
      if (name.ends_with(kWildcardSuffix)) {
        name.remove_suffix(kWildcardSuffix.size());
        PG_CHECK(!name.empty());
        route.wildcard = true;
      }
      route.segments.push_back({std::string(name), true});
    } else {
      route.segments.push_back({std::string(part), false});
      ++route.literal_count;
    }
  }
  for (const Route& existing : routes_) {
    PG_CHECK(!(existing.method == method && existing.pattern == pattern));
  }
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(http::verb method, std::string_view path) const {
  Match match;
  if (path.empty() || path.front() != '/') {
    match.outcome = Outcome::kBadPath;
    match.error = "the request target must be an absolute path";
    return match;
  }
  std::vector<std::string> segments;
  for (std::string_view raw : SplitPath(path)) {
    Result<std::string> decoded = PercentDecode(raw, /*plus_is_space=*/false);
    if (!decoded.ok()) {
      match.outcome = Outcome::kBadPath;
      match.error = decoded.status().message();
      return match;
    }
    segments.push_back(std::move(decoded).value());
  }

  const Route* best = nullptr;
  std::vector<http::verb> allowed;
  for (const Route& route : routes_) {
    if (route.wildcard ? segments.size() < route.segments.size()
                       : segments.size() != route.segments.size()) {
      continue;
    }
    bool matches = true;
    for (size_t i = 0; i < segments.size() && matches; ++i) {
      const Segment& seg = route.segments[std::min(i, route.segments.size() - 1)];
      matches = seg.is_param ? !segments[i].empty() : seg.text == segments[i];
    }
    if (!matches) continue;
    if (route.method != method) {
      if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
        allowed.push_back(route.method);
      }
      continue;
    }
    if (best == nullptr || route.literal_count > best->literal_count ||
        (route.literal_count == best->literal_count && best->wildcard && !route.wildcard)) {
      best = &route;
    }
  }

  if (best != nullptr) {
    match.outcome = Outcome::kFound;
    match.handler = &best->handler;
    match.pattern = best->pattern;
    size_t fixed = best->segments.size() - (best->wildcard ? 1 : 0);
    for (size_t i = 0; i < fixed; ++i) {
      if (best->segments[i].is_param) match.params[best->segments[i].text] = segments[i];
    }
    if (best->wildcard) {
      std::string rest;
      for (size_t i = fixed; i < segments.size(); ++i) {
        if (i > fixed) rest += '/';
        rest += segments[i];
      }
      match.params[best->segments.back().text] = std::move(rest);
    }
  } else if (!allowed.empty()) {
    match.outcome = Outcome::kMethodNotAllowed;
    for (http::verb v : allowed) {
      if (!match.allow.empty()) match.allow += ", ";
      match.allow += std::string(http::to_string(v));
    }
  }
  return match;
}

std::vector<std::pair<http::verb, std::string>> Router::Routes() const {
  std::vector<std::pair<http::verb, std::string>> out;
  for (const Route& route : routes_) out.emplace_back(route.method, route.pattern);
  return out;
}

Router WrapRoutes(Router routes, const RouteWrapper& wrap) {
  auto inner = std::make_shared<const Router>(std::move(routes));
  Router wrapped;
  for (const auto& [method, pattern] : inner->Routes()) {
    // A pattern's own text matches that pattern and no more literal one.
    Router::Match m = inner->Find(method, pattern);
    PG_CHECK(m.outcome == Router::Outcome::kFound && m.pattern == pattern);
    const Handler* handler = m.handler;
    // The wrapped handler keeps the inner router (which owns `handler`) alive.
    Handler call = [inner, handler](const Request& request, Responder r) {
      (*handler)(request, std::move(r));
    };
    wrapped.Add(method, pattern, wrap(method, pattern, std::move(call)));
  }
  return wrapped;
}

}  // namespace pipegrid::api
