// Opaque, time-ordered ids (ULID-like: 10 base32 chars of milliseconds, then
// 16 of a per-process counter seeded at random). Ids made later by the same
// process compare greater as strings, which list paging relies on.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "common/clock.h"

namespace pipegrid {

class IdGenerator {
 public:
  explicit IdGenerator(const Clock& clock);
  // Thread-safe.
  std::string Next();

 private:
  const Clock& clock_;
  std::mutex mu_;
  int64_t last_ms_ = 0;       // guarded by mu_
  uint64_t counter_ = 0;      // guarded by mu_
};

}  // namespace pipegrid
