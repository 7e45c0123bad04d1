// Making and revoking tokens: the one implementation behind
// `pipegrid token … --data-dir` (straight on the store) and the
// /api/v1/tokens routes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace pipegrid::auth {

struct NewToken {
  store::TokenRecord record;
  std::string secret;  // shown once, never stored
};

// InvalidArgument for an unknown role, a malformed namespace, or a view or
// submit token without namespaces (`*` grants every one). Admin tokens hold
// every namespace whatever is given.
Result<NewToken> CreateToken(store::Store& store, const std::string& role,
                             const std::vector<std::string>& namespaces, const std::string& name,
                             WallTime now);

// `id_or_secret` is a token id ("tok_…") or the secret itself ("pgt_…").
// NotFound when no such token exists. Returns the revoked token's id.
Result<std::string> RevokeToken(store::Store& store, const std::string& id_or_secret,
                                WallTime now);

// {id, role, namespaces, name, createdAt, revokedAt}: never the secret or its hash.
nlohmann::json TokenJson(const store::TokenRecord& token);

}  // namespace pipegrid::auth
