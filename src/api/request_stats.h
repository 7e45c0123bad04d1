// Counts of HTTP requests by route pattern and status code, for
// pipegrid_http_requests_total. Labelled by pattern ("/api/v1/jobs/{id}"),
// never by raw path, so the number of series stays bounded.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace pipegrid::api {

// Route labels for requests that matched no pattern.
inline constexpr const char* kUnmatchedRoute = "unmatched";
inline constexpr const char* kMalformedRoute = "malformed";

struct RequestCount {
  std::string route;
  int code = 0;
  uint64_t count = 0;
};

class RequestStats {
 public:
  void Add(const std::string& route, int code);
  // Sorted by route, then code.
  std::vector<RequestCount> Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> counts_;  // guarded by mu_
};

}  // namespace pipegrid::api
