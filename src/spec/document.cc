#include "spec/document.h"

#include <algorithm>
#include <cstdint>

namespace pipegrid::spec::internal {
namespace {

constexpr size_t kMaxQuotedBytes = 64;
constexpr std::string_view kReplacement = "\uFFFD";
constexpr std::string_view kEllipsis = "\u2026";

// Field names and most map keys: these read well after a dot.
bool IsPlainWord(std::string_view key) {
  if (key.empty() || key.size() > kMaxQuotedBytes) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Length of the well-formed UTF-8 sequence starting at s[i], or 0. Strict: no
// overlong forms, surrogates or code points past U+10FFFF.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t extra;
  uint32_t min;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    extra = 1, min = 0x80, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    extra = 2, min = 0x800, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    extra = 3, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (s.size() - i <= extra) return 0;  // truncated
  for (size_t k = 1; k <= extra; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return extra + 1;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8SequenceLength(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string ForMessage(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + kEllipsis.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8SequenceLength(text, i);
    std::string_view piece = n ? text.substr(i, n) : kReplacement;
    if (out.size() + piece.size() > max_bytes) {
      out += kEllipsis;
      break;
    }
    out += piece;
    i += n ? n : 1;
  }
  return out;
}

std::string Quote(std::string_view text) { return "\"" + ForMessage(text, kMaxQuotedBytes) + "\""; }

std::string ChildPath(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (IsPlainWord(key)) {
    if (!path.empty()) path += '.';
    path += key;
  } else {
    // Quoted and escaped as JSON.
    path += '[';
    path += nlohmann::json(ForMessage(key, kMaxQuotedBytes)).dump();
    path += ']';
  }
  return path;
}

std::string IndexPath(std::string_view parent, size_t index) {
  std::string path(parent);
  path += '[';
  path += std::to_string(index);
  path += ']';
  return path;
}

}  // namespace pipegrid::spec::internal
