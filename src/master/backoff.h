// Retry backoff arithmetic (DESIGN §2):
//   delay(n) = min(max, initial * factor^(n-1)) * (1 + U(-jitter, +jitter))
#pragma once

#include <random>

#include "common/clock.h"
#include "spec/job_spec.h"

namespace pipegrid::master {

// The delay before retry number `retry` (1-based). `rng` supplies the jitter;
// tests seed it. Never negative.
Millis BackoffDelay(const spec::Backoff& backoff, int retry, std::mt19937_64& rng);

// The same without jitter: the centre of the range BackoffDelay draws from.
Millis BackoffBase(const spec::Backoff& backoff, int retry);

}  // namespace pipegrid::master
