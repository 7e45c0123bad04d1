// "host:port" as flags write a listen address: "127.0.0.1:8080", "[::1]:0",
// "localhost:8080", ":8080" (every interface). Port 0 asks for an ephemeral
// port.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pipegrid::api {

struct ListenAddress {
  std::string host;  // without brackets; empty: every interface
  uint16_t port = 0;
};

// InvalidArgument when there is no port, it is not a number in 0..65535, or
// an IPv6 host lacks its brackets.
Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace pipegrid::api
