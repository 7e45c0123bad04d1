#include <string>

#include "spec/document.h"
#include "spec/job_spec.h"

namespace pipegrid::spec {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

Result<BodyFormat> FormatFromContentType(std::string_view content_type) {
  // Media types are case-insensitive (RFC 9110 §8.3.1); parameters such as
  // charset do not change the syntax.
  std::string_view media = Trim(content_type.substr(0, content_type.find(';')));
  if (EqualsIgnoreCase(media, "application/json")) return BodyFormat::kJson;
  if (media.empty() || EqualsIgnoreCase(media, "application/yaml") ||
      EqualsIgnoreCase(media, "application/x-yaml") || EqualsIgnoreCase(media, "text/yaml")) {
    return BodyFormat::kYaml;
  }
  return InvalidArgument("unsupported content type " + internal::Quote(content_type) +
                         ": use application/json or application/yaml");
}

}  // namespace pipegrid::spec
