// Chain verification against pipegrid's CA, as a TLS peer would do it.
//
// Thread-safe (no shared state).
#pragma once

#include <optional>

#include "common/clock.h"
#include "common/status.h"
#include "tls/openssl_util.h"

namespace pipegrid::tls {

// OK when `cert` is signed by `ca`, the only trust anchor (no system roots).
// With `at`, the validity dates of both are checked at that time; without,
// they are not checked at all. InvalidArgument with OpenSSL's reason ("unable
// to get local issuer certificate", "certificate has expired") otherwise.
[[nodiscard]] Status VerifyIssuedBy(X509& cert, X509& ca, std::optional<WallTime> at);

}  // namespace pipegrid::tls
