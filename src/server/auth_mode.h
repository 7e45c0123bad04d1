// Which --auth mode a server runs in (DESIGN §6): `open` is the default only
// when every listener is on loopback; `--auth open` with one that is not is
// refused, so a server reachable from the network never runs unauthenticated
// by accident. Tokens existing or not never changes the mode.
#pragma once

#include <string>
#include <vector>

#include "api/auth_guard.h"
#include "common/status.h"

namespace pipegrid::server {

// `flag`: "", "open" or "required". `listeners`: every address the server
// listens on ("--http 0.0.0.0:8080", ...), flag name included for messages.
struct Listener {
  std::string flag;     // "--http"
  std::string address;  // "0.0.0.0:8080"
};
Result<api::AuthMode> ResolveAuthMode(const std::string& flag,
                                      const std::vector<Listener>& listeners);

}  // namespace pipegrid::server
