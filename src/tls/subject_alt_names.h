// The subjectAltName entries of pipegrid's certificates, from `--hosts`.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pipegrid::tls {

struct SubjectAltName {
  enum class Kind { kDns, kIp };
  Kind kind = Kind::kDns;
  // Canonical text: a lower-case DNS name, or an IP address as inet_ntop
  // writes it ("::1", never "[::1]" or "0:0::1"), so equal names compare equal.
  std::string value;

  friend bool operator==(const SubjectAltName&, const SubjectAltName&) = default;
};

// One host as a user writes it: an IPv4 or IPv6 address (IPv6 may be in
// brackets) becomes an IP entry, anything else must be a DNS name (labels of
// letters, digits and inner hyphens; an optional leading "*." wildcard).
// InvalidArgument naming the host otherwise.
[[nodiscard]] Result<SubjectAltName> ParseHost(std::string_view host);

// The entries of a server certificate: `hosts` in order, then localhost,
// 127.0.0.1 and ::1 (so loopback connections always verify), without
// duplicates. Items are trimmed of blanks; empty ones are skipped.
[[nodiscard]] Result<std::vector<SubjectAltName>> ServerAltNames(
    const std::vector<std::string>& hosts);

}  // namespace pipegrid::tls
