// Durations ("250ms", "3s", "10m", "1h30m") and sizes ("256Mi", "1Gi", "500M")
// as the spec and the flags write them (DESIGN §2).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace pipegrid {

// Units: ms, s, m, h, d; several may follow each other in decreasing order
// ("1h30m"). A bare "0" is zero. Negative values are rejected.
Result<Millis> ParseDuration(std::string_view text);
// Shortest exact spelling: 90000ms -> "1m30s", 250ms -> "250ms", 0 -> "0s".
std::string FormatDuration(Millis d);

// Suffixes: none (bytes), K M G T (powers of 1000), Ki Mi Gi Ti (powers of 1024).
Result<int64_t> ParseSize(std::string_view text);

}  // namespace pipegrid
