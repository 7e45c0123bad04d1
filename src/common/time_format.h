// RFC 3339 UTC with milliseconds: "2026-11-23T14:05:00.123Z" (DESIGN §5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace pipegrid {

std::string FormatTime(WallTime t);
std::optional<WallTime> ParseTime(std::string_view text);

// Milliseconds since the Unix epoch: how times are stored.
int64_t ToUnixMillis(WallTime t);
WallTime FromUnixMillis(int64_t ms);

}  // namespace pipegrid
