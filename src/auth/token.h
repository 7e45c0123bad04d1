// API token secrets (DESIGN §6): how they are made, shown and kept.
//
// A secret is "pgt_" + 43 base64url characters (32 random bytes from
// OpenSSL's RAND_bytes); only its SHA-256 is stored. A fast hash is enough
// because the secret is 256 random bits, not a password a person chose:
// there is nothing to guess from the hash, so a slow KDF would only slow
// every request down.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace pipegrid::auth {

inline constexpr std::string_view kSecretPrefix = "pgt_";
inline constexpr std::string_view kTokenIdPrefix = "tok_";

// A new secret; Internal if the system has no randomness to give.
Result<std::string> NewSecret();
// A new public token id: "tok_" + 16 hex digits.
Result<std::string> NewTokenId();
// Lowercase hex SHA-256 of `secret`.
std::string HashSecret(std::string_view secret);
// Whether `text` has the shape of a secret (prefix, length, alphabet): lets
// `token revoke` tell a secret from an id, and skips the store for junk.
bool LooksLikeSecret(std::string_view text);

}  // namespace pipegrid::auth
