#include "spec/names.h"

namespace pipegrid::spec {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// First character alphanumeric, the rest alphanumeric or one of `extra`.
bool IsAlnumWord(std::string_view s, size_t max_len, std::string_view extra) {
  if (s.empty() || s.size() > max_len || !IsAlnum(s[0])) return false;
  for (char c : s.substr(1)) {
    if (!IsAlnum(c) && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

bool IsValidTaskName(std::string_view name) { return IsAlnumWord(name, 63, "_-"); }

bool IsValidJobName(std::string_view name) { return IsAlnumWord(name, 253, "_.-"); }

bool IsValidNamespace(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) return false;
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsValidLabelKey(std::string_view key) {
  return IsAlnumWord(key, 63, "_./-") && IsAlnum(key.back());
}

}  // namespace pipegrid::spec
