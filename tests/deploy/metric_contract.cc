#include "deploy/metric_contract.h"

namespace pipegrid::deploy {

std::optional<std::string> ContractMetricOf(std::string_view series) {
  for (const MetricSpec& m : kMetricContract) {
    if (series == m.name) return std::string(m.name);
  }
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (series.size() <= suffix.size() || !series.ends_with(suffix)) continue;
    std::string_view base = series.substr(0, series.size() - suffix.size());
    for (const MetricSpec& m : kMetricContract) {
      if (m.type == MetricType::kHistogram && base == m.name) return std::string(m.name);
    }
  }
  return std::nullopt;
}

}  // namespace pipegrid::deploy
