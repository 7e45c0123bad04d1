// Who a request acts for, once its bearer token is verified: the token's
// role and namespaces (DESIGN §6). In `--auth open` mode there is none, and
// everything is allowed.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/states.h"

namespace pipegrid::auth {

inline constexpr std::string_view kAllNamespaces = "*";

struct Principal {
  std::string token_id;
  Role role = Role::kView;
  bool all_namespaces = false;  // admin, or a token made for "*"
  std::set<std::string> namespaces;

  // view ⊂ submit ⊂ admin.
  bool HasRole(Role wanted) const { return static_cast<int>(role) >= static_cast<int>(wanted); }
  bool Holds(const std::string& namespace_) const {
    return all_namespaces || namespaces.count(namespace_) > 0;
  }
};

// The principal a token record grants (admin: every namespace).
Principal PrincipalFor(const std::string& token_id, Role role,
                       const std::vector<std::string>& namespaces);

}  // namespace pipegrid::auth
