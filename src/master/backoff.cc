#include "master/backoff.h"

#include <algorithm>
#include <cmath>

namespace pipegrid::master {

Millis BackoffBase(const spec::Backoff& backoff, int retry) {
  double ms = static_cast<double>(backoff.initial.count()) *
              std::pow(backoff.factor, std::max(0, retry - 1));
  // pow() overflows to inf for large retries; min() against max keeps it finite.
  ms = std::min(ms, static_cast<double>(backoff.max.count()));
  return Millis(static_cast<int64_t>(ms));
}

Millis BackoffDelay(const spec::Backoff& backoff, int retry, std::mt19937_64& rng) {
  double base = static_cast<double>(BackoffBase(backoff, retry).count());
  if (backoff.jitter > 0) {
    std::uniform_real_distribution<double> dist(-backoff.jitter, backoff.jitter);
    base *= 1.0 + dist(rng);
  }
  return Millis(std::max<int64_t>(0, std::llround(base)));
}

}  // namespace pipegrid::master
