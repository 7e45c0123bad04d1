#include "tls/subject_alt_names.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace pipegrid::tls {
namespace {

// RFC 1123 host name: labels of 1..63 letters, digits and hyphens, not
// starting or ending with a hyphen; at most 253 characters in all. The last
// label must not be all digits (RFC 3696 §2): "10.0.0.256" is a mistyped
// address, not a name.
bool IsDnsName(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);  // wildcard: first label only
  if (name.empty() || name.size() > 253) return false;
  std::string_view last = name.substr(name.rfind('.') + 1);  // npos + 1 == 0
  if (std::all_of(last.begin(), last.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return false;
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    start = end + 1;
  }
  return true;
}

// The canonical text of an IP address, or "" when `text` is not one.
std::string CanonicalIp(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  std::string s(text);
  char out[INET6_ADDRSTRLEN];
  unsigned char addr[16];
  if (inet_pton(AF_INET, s.c_str(), addr) == 1) {
    return inet_ntop(AF_INET, addr, out, sizeof out);
  }
  if (inet_pton(AF_INET6, s.c_str(), addr) == 1) {
    return inet_ntop(AF_INET6, addr, out, sizeof out);
  }
  return "";
}

}  // namespace

Result<SubjectAltName> ParseHost(std::string_view host) {
  if (std::string ip = CanonicalIp(host); !ip.empty()) {
    return SubjectAltName{SubjectAltName::Kind::kIp, std::move(ip)};
  }
  if (!IsDnsName(host)) {
    return InvalidArgument("--hosts: \"" + std::string(host) +
                           "\" is neither an IP address nor a DNS name");
  }
  std::string name(host);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return SubjectAltName{SubjectAltName::Kind::kDns, std::move(name)};
}

Result<std::vector<SubjectAltName>> ServerAltNames(const std::vector<std::string>& hosts) {
  std::vector<SubjectAltName> names;
  auto add = [&names](SubjectAltName name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(std::move(name));
    }
  };
  for (std::string_view host : hosts) {
    while (!host.empty() && std::isspace(static_cast<unsigned char>(host.front()))) {
      host.remove_prefix(1);
    }
    while (!host.empty() && std::isspace(static_cast<unsigned char>(host.back()))) {
      host.remove_suffix(1);
    }
    if (host.empty()) continue;
    PG_ASSIGN_OR_RETURN(SubjectAltName name, ParseHost(host));
    add(std::move(name));
  }
  add({SubjectAltName::Kind::kDns, "localhost"});
  add({SubjectAltName::Kind::kIp, "127.0.0.1"});
  add({SubjectAltName::Kind::kIp, "::1"});
  return names;
}

}  // namespace pipegrid::tls
