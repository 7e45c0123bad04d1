#include "common/ids.h"

#include <random>

#include "common/time_format.h"

namespace pipegrid {
namespace {

constexpr char kBase32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void AppendBase32(std::string& out, uint64_t v, int chars) {
  for (int i = chars - 1; i >= 0; --i) out.push_back(kBase32[(v >> (5 * i)) & 31]);
}

}  // namespace

IdGenerator::IdGenerator(const Clock& clock) : clock_(clock) {
  std::random_device rd;
  counter_ = (static_cast<uint64_t>(rd()) << 32 | rd()) >> 4;  // leave room to count up
}

std::string IdGenerator::Next() {
  std::lock_guard lock(mu_);
  int64_t ms = ToUnixMillis(clock_.Wall());
  // Never go backwards, even if the wall clock does: ids stay ordered.
  if (ms < last_ms_) ms = last_ms_;
  last_ms_ = ms;
  ++counter_;
  std::string id;
  id.reserve(26);
  AppendBase32(id, static_cast<uint64_t>(ms), 10);
  AppendBase32(id, counter_ >> 40, 8);
  AppendBase32(id, counter_ & ((1ULL << 40) - 1), 8);
  return id;
}

}  // namespace pipegrid
