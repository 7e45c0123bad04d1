#include "tls/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>

#include <algorithm>
#include <string_view>

namespace pipegrid::tls {
namespace {

// The host part of "host", "host:port", "[v6]" or "[v6]:port"; a bare IPv6
// address (more than one colon, no brackets) is all host.
std::string HostPart(std::string_view text) {
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return "";
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return "";
    return std::string(text.substr(1, close - 1));
  }
  size_t colons = static_cast<size_t>(std::count(text.begin(), text.end(), ':'));
  if (colons == 1) return std::string(text.substr(0, text.find(':')));
  return std::string(text);
}

}  // namespace

bool IsLoopbackListen(const std::string& host_port) {
  std::string host = HostPart(host_port);
  if (host.empty()) return false;
  // Resolvers map "localhost" to loopback (RFC 6761 §6.3); other names are
  // not trusted to, whatever /etc/hosts says today.
  if (strcasecmp(host.c_str(), "localhost") == 0) return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace pipegrid::tls
