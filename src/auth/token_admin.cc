#include "auth/token_admin.h"

#include "auth/principal.h"
#include "auth/token.h"
#include "common/time_format.h"
#include "spec/names.h"

namespace pipegrid::auth {

Result<NewToken> CreateToken(store::Store& store, const std::string& role_name,
                             const std::vector<std::string>& namespaces, const std::string& name,
                             WallTime now) {
  std::optional<Role> role = ParseRole(role_name);
  if (!role) {
    return InvalidArgument("unknown role \"" + role_name + "\" (admin, submit or view)", "role");
  }
  std::vector<std::string> held;
  if (*role == Role::kAdmin) {
    held = {std::string(kAllNamespaces)};
  } else {
    for (const std::string& ns : namespaces) {
      if (ns != kAllNamespaces && !spec::IsValidNamespace(ns)) {
        return InvalidArgument("invalid namespace \"" + ns + "\"", "namespaces");
      }
      held.push_back(ns);
    }
    if (held.empty()) {
      return InvalidArgument("a " + role_name +
                                 " token needs --namespaces (a,b; * for every namespace)",
                             "namespaces");
    }
  }
  if (name.size() > 200) return InvalidArgument("the name is longer than 200 bytes", "name");
  NewToken out;
  PG_ASSIGN_OR_RETURN(out.secret, NewSecret());
  PG_ASSIGN_OR_RETURN(out.record.id, NewTokenId());
  out.record.secret_hash = HashSecret(out.secret);
  out.record.role = *role;
  out.record.namespaces = std::move(held);
  out.record.name = name;
  out.record.created_at = now;
  PG_RETURN_IF_ERROR(store.PutToken(out.record));
  return out;
}

Result<std::string> RevokeToken(store::Store& store, const std::string& id_or_secret,
                                WallTime now) {
  std::string id = id_or_secret;
  if (LooksLikeSecret(id_or_secret)) {
    PG_ASSIGN_OR_RETURN(std::optional<store::TokenRecord> token,
                        store.GetTokenBySecretHash(HashSecret(id_or_secret)));
    // Never echo a secret back in a message.
    if (!token) return NotFound("no token has this secret");
    id = token->id;
  }
  PG_RETURN_IF_ERROR(store.RevokeToken(id, now));
  return id;
}

nlohmann::json TokenJson(const store::TokenRecord& t) {
  return {{"id", t.id},
          {"role", std::string(Name(t.role))},
          {"namespaces", t.namespaces},
          {"name", t.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.name)},
          {"createdAt", FormatTime(t.created_at)},
          {"revokedAt", t.revoked_at ? nlohmann::json(FormatTime(*t.revoked_at))
                                     : nlohmann::json(nullptr)}};
}

}  // namespace pipegrid::auth
