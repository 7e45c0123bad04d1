#include "api/request_stats.h"

namespace pipegrid::api {

void RequestStats::Add(const std::string& route, int code) {
  std::lock_guard lock(mu_);
  ++counts_[{route, code}];
}

std::vector<RequestCount> RequestStats::Snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<RequestCount> out;
  out.reserve(counts_.size());
  for (const auto& [key, count] : counts_) out.push_back({key.first, key.second, count});
  return out;
}

}  // namespace pipegrid::api
