#include "common/clock.h"

namespace pipegrid {

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

// Starts at a fixed, recognisable instant so test output is reproducible:
// 2026-01-01T00:00:00Z on the wall clock, 1000s on the monotonic one.
FakeClock::FakeClock() : mono_ns_(1'000'000'000'000LL), wall_ns_(1'767'225'600'000'000'000LL) {}

}  // namespace pipegrid
