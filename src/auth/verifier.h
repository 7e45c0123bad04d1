// Checks a request's bearer token against the store's tokens.
//
// Verdicts are cached for `ttl` (default 500 ms) by the secret's hash, so a
// busy client costs one store read per ttl rather than one per request, and
// a revoke - from the API or from `pipegrid token revoke --data-dir` in
// another process - takes effect within that time, without a restart.
//
// Thread-safe: called from every HTTP thread.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/principal.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace pipegrid::auth {

class TokenVerifier {
 public:
  TokenVerifier(store::Store& store, const Clock& clock, Millis ttl = Millis(500));

  // `authorization` is the Authorization header's value ("Bearer pgt_…").
  // Unauthenticated when it is missing, not a bearer token, unknown or
  // revoked; Unavailable (or another store error) when the store cannot say.
  Result<Principal> Verify(std::string_view authorization);

 private:
  struct Verdict {
    std::optional<Principal> principal;  // none: unknown or revoked
    std::string why;                     // when none
    MonoTime checked;
  };

  Result<Verdict> Lookup(const std::string& hash, MonoTime now);

  store::Store& store_;
  const Clock& clock_;
  const Millis ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Verdict> cache_;  // by secret hash; guarded by mu_
};

}  // namespace pipegrid::auth
