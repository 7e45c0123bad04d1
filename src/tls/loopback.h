// Whether a listen address is reachable from this machine only (issue 4: the
// master's gRPC listener requires mutual TLS unless it is on loopback).
//
// Pure function; thread-safe.
#pragma once

#include <string>

namespace pipegrid::tls {

// True for a host in 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) or
// "localhost" (any case), with or without a port: "127.0.0.1:7001",
// "[::1]:0", "localhost:7001", "::1". False for everything else, including
// an empty host (":7001", every interface), 0.0.0.0, ::, other names (they
// may resolve anywhere) and text that does not parse: when in doubt, TLS.
bool IsLoopbackListen(const std::string& host_port);

}  // namespace pipegrid::tls
