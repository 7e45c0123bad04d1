#include "auth/principal.h"

namespace pipegrid::auth {

Principal PrincipalFor(const std::string& token_id, Role role,
                       const std::vector<std::string>& namespaces) {
  Principal p;
  p.token_id = token_id;
  p.role = role;
  for (const std::string& ns : namespaces) {
    if (ns == kAllNamespaces) p.all_namespaces = true;
    p.namespaces.insert(ns);
  }
  if (role == Role::kAdmin) p.all_namespaces = true;
  return p;
}

}  // namespace pipegrid::auth
