#include "server/auth_mode.h"

#include "tls/loopback.h"

namespace pipegrid::server {

Result<api::AuthMode> ResolveAuthMode(const std::string& flag,
                                      const std::vector<Listener>& listeners) {
  const Listener* exposed = nullptr;
  for (const Listener& l : listeners) {
    if (!l.address.empty() && !tls::IsLoopbackListen(l.address)) {
      exposed = &l;
      break;
    }
  }
  if (flag == "required") return api::AuthMode::kRequired;
  if (flag == "open") {
    if (exposed != nullptr) {
      return InvalidArgument("--auth open needs every listener on loopback; " + exposed->flag +
                                 " " + exposed->address +
                                 " is reachable from other machines (use --auth required "
                                 "and `pipegrid token create`)",
                             "auth");
    }
    return api::AuthMode::kOpen;
  }
  if (!flag.empty()) {
    return InvalidArgument("--auth must be required or open, got \"" + flag + "\"", "auth");
  }
  return exposed != nullptr ? api::AuthMode::kRequired : api::AuthMode::kOpen;
}

}  // namespace pipegrid::server
