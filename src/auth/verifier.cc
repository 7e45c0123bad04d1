#include "auth/verifier.h"

#include "auth/token.h"

namespace pipegrid::auth {
namespace {

// Bounds the cache: past this many distinct secrets it starts over, so a
// client cycling through made-up tokens cannot grow the master's memory.
constexpr size_t kMaxCached = 4096;

constexpr std::string_view kBearer = "Bearer ";

bool StartsWithCaseless(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

TokenVerifier::TokenVerifier(store::Store& store, const Clock& clock, Millis ttl)
    : store_(store), clock_(clock), ttl_(ttl) {}

Result<Principal> TokenVerifier::Verify(std::string_view authorization) {
  if (authorization.empty()) {
    return Unauthenticated("this server requires a bearer token (Authorization: Bearer …)");
  }
  // The scheme is case-insensitive (RFC 9110 §11.1).
  if (!StartsWithCaseless(authorization, kBearer)) {
    return Unauthenticated("only bearer tokens are accepted (Authorization: Bearer …)");
  }
  std::string_view secret = authorization.substr(kBearer.size());
  while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);
  while (!secret.empty() && secret.back() == ' ') secret.remove_suffix(1);
  if (!LooksLikeSecret(secret)) return Unauthenticated("unknown token");

  const std::string hash = HashSecret(secret);
  const MonoTime now = clock_.Monotonic();
  PG_ASSIGN_OR_RETURN(Verdict verdict, Lookup(hash, now));
  if (!verdict.principal) return Unauthenticated(verdict.why);
  return *verdict.principal;
}

Result<TokenVerifier::Verdict> TokenVerifier::Lookup(const std::string& hash, MonoTime now) {
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && now - it->second.checked < ttl_) return it->second;
  }
  // Outside the lock: a store read must not hold up other threads' hits.
  PG_ASSIGN_OR_RETURN(std::optional<store::TokenRecord> token, store_.GetTokenBySecretHash(hash));
  Verdict verdict;
  verdict.checked = now;
  if (!token) {
    verdict.why = "unknown token";
  } else if (token->revoked_at) {
    verdict.why = "token " + token->id + " was revoked";
  } else {
    verdict.principal = PrincipalFor(token->id, token->role, token->namespaces);
  }
  std::lock_guard lock(mu_);
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_[hash] = verdict;
  return verdict;
}

}  // namespace pipegrid::auth
