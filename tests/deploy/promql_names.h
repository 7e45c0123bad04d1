// Finds the metric names a PromQL expression (as written in Prometheus rules
// or Grafana panels) selects, so the tests can hold deploy/ to the metric
// contract. promtool checks the syntax; this only has to tell metric names
// apart from functions, keywords, label names, durations and template
// variables. Not a full parser: it assumes an expression promtool accepts.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pipegrid::deploy {

// The metric names selected by `expr`, e.g. {"pipegrid_jobs", "up"} for
// `sum by (state) (pipegrid_jobs{job="x"}) or up`. Label matchers, range and
// subquery brackets, string literals, grouping label lists (by, without, on,
// ignoring, group_left, group_right) and Grafana variables ($instance,
// ${ds}, $__rate_interval) are skipped. InvalidArgument on an unterminated
// string or unbalanced brackets.
[[nodiscard]] Result<std::set<std::string>> MetricNamesIn(std::string_view expr);

}  // namespace pipegrid::deploy
