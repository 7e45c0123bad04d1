#include "common/units.h"

#include <array>
#include <cstdint>
#include <limits>

namespace pipegrid {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t factor;
};

// Largest first: parsing requires this order and formatting emits it. "ms" sits
// after "m" in rank but must be matched before it, see ParseUnit.
constexpr std::array<Unit, 5> kDurationUnits = {{
    {"d", 24LL * 60 * 60 * 1000},
    {"h", 60LL * 60 * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
}};

// A century: far beyond any timeout or retention anyone means, and small enough
// that adding it to a steady_clock time point (int64 nanoseconds) cannot overflow.
constexpr int64_t kMaxDurationMs = 36500LL * 24 * 60 * 60 * 1000;

constexpr std::array<Unit, 9> kSizeUnits = {{
    {"", 1},
    {"K", 1000LL},
    {"M", 1000LL * 1000},
    {"G", 1000LL * 1000 * 1000},
    {"T", 1000LL * 1000 * 1000 * 1000},
    {"Ki", 1LL << 10},
    {"Mi", 1LL << 20},
    {"Gi", 1LL << 30},
    {"Ti", 1LL << 40},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads a run of decimal digits at text[*pos]. False if there is none or the
// number exceeds `limit`.
bool ReadNumber(std::string_view text, size_t* pos, int64_t limit, int64_t* out, bool* overflow) {
  size_t start = *pos;
  int64_t value = 0;
  *overflow = false;
  while (*pos < text.size() && IsDigit(text[*pos])) {
    int digit = text[*pos] - '0';
    if (value > (limit - digit) / 10) *overflow = true;
    if (!*overflow) value = value * 10 + digit;
    ++*pos;
  }
  *out = value;
  return *pos > start;
}

// Index into kDurationUnits of the unit at text[*pos], or -1.
int ParseUnit(std::string_view text, size_t* pos) {
  std::string_view rest = text.substr(*pos);
  if (rest.starts_with("ms")) {
    *pos += 2;
    return 4;
  }
  for (int i = 0; i < 4; ++i) {
    if (rest.starts_with(kDurationUnits[i].suffix)) {
      *pos += 1;
      return i;
    }
  }
  return -1;
}

Status BadDuration(std::string_view text, std::string_view why) {
  return InvalidArgument("invalid duration \"" + std::string(text) + "\": " + std::string(why));
}

}  // namespace

Result<Millis> ParseDuration(std::string_view text) {
  constexpr std::string_view kExpected = "expected a number followed by ms, s, m, h or d";
  if (text == "0") return Millis(0);
  if (!text.empty() && text[0] == '-') return BadDuration(text, "must not be negative");
  if (text.empty()) return BadDuration(text, kExpected);

  int64_t total = 0;
  int last_unit = -1;
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t n = 0;
    bool overflow = false;
    if (!ReadNumber(text, &pos, kMaxDurationMs, &n, &overflow)) {
      return BadDuration(text, kExpected);
    }
    int unit = ParseUnit(text, &pos);
    if (unit < 0) return BadDuration(text, kExpected);
    if (unit <= last_unit) {
      return BadDuration(text, "units must appear once each, largest first (like 1h30m)");
    }
    last_unit = unit;
    int64_t factor = kDurationUnits[unit].factor;
    if (overflow || n > (kMaxDurationMs - total) / factor) {
      return BadDuration(text, "too large (at most 36500d)");
    }
    total += n * factor;
  }
  return Millis(total);
}

std::string FormatDuration(Millis d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  // Unsigned so that even the most negative value has a magnitude.
  uint64_t rest = static_cast<uint64_t>(ms);
  if (ms < 0) {
    out = "-";
    rest = ~rest + 1;
  }
  for (const Unit& unit : kDurationUnits) {
    uint64_t factor = static_cast<uint64_t>(unit.factor);
    if (rest >= factor) {
      out += std::to_string(rest / factor);
      out += unit.suffix;
      rest %= factor;
    }
  }
  return out;
}

Result<int64_t> ParseSize(std::string_view text) {
  auto bad = [text](std::string_view why) {
    return InvalidArgument("invalid size \"" + std::string(text) + "\": " + std::string(why));
  };
  constexpr std::string_view kExpected =
      "expected a whole number optionally followed by K, M, G, T, Ki, Mi, Gi or Ti";
  if (!text.empty() && text[0] == '-') return bad("must not be negative");

  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  size_t pos = 0;
  int64_t n = 0;
  bool overflow = false;
  if (!ReadNumber(text, &pos, kMax, &n, &overflow)) return bad(kExpected);
  std::string_view suffix = text.substr(pos);
  for (const Unit& unit : kSizeUnits) {
    if (suffix != unit.suffix) continue;
    if (overflow || n > kMax / unit.factor) return bad("too large");
    return n * unit.factor;
  }
  return bad(kExpected);
}

}  // namespace pipegrid
