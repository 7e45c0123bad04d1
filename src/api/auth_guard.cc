#include "api/auth_guard.h"

#include <memory>
#include <string>

#include "api/errors.h"
#include "api/routes.h"

namespace pipegrid::api {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

Role RoleFor(Access access) {
  switch (access) {
    case Access::kSubmit: return Role::kSubmit;
    case Access::kAdmin: return Role::kAdmin;
    default: return Role::kView;
  }
}

// RFC 6750 §3: a 401 names the scheme; a token that was presented and
// refused is an "invalid_token".
Response Unauthorized(const Status& status, bool token_presented) {
  Response res = ErrorResponse(status);
  std::string challenge = "Bearer realm=\"pipegrid\"";
  if (token_presented) challenge += ", error=\"invalid_token\"";
  res.set(http::field::www_authenticate, challenge);
  return res;
}

Handler Guard(Handler inner, Access access, auth::TokenVerifier* verifier) {
  return [inner = std::move(inner), access, verifier](const Request& request, Responder r) {
    std::string_view header = request.Header(http::field::authorization);
    Result<auth::Principal> principal = verifier->Verify(header);
    if (!principal.ok()) {
      if (principal.status().code() == StatusCode::kUnauthenticated) {
        return r.Send(Unauthorized(principal.status(), !header.empty()));
      }
      return r.Send(ErrorResponse(principal.status()));
    }
    const Role needed = RoleFor(access);
    if (!principal->HasRole(needed)) {
      return r.Send(ErrorResponse(PermissionDenied(
          "token " + principal->token_id + " has role " + std::string(Name(principal->role)) +
          "; this needs " + std::string(Name(needed)))));
    }
    if (access == Access::kViewEveryNamespace && !principal->all_namespaces) {
      return r.Send(ErrorResponse(
          PermissionDenied("token " + principal->token_id +
                           " does not hold every namespace, which this shows; read a job's "
                           "own events at /api/v1/jobs/{id}/events")));
    }
    inner(request.WithPrincipal(std::make_shared<const auth::Principal>(std::move(*principal))),
          std::move(r));
  };
}

}  // namespace

std::string_view Name(AuthMode mode) { return mode == AuthMode::kOpen ? "open" : "required"; }

Access AccessFor(http::verb method, std::string_view pattern) {
  const std::string api = std::string(kApiPrefix) + "/";
  if (pattern == "/healthz" || pattern == "/readyz" || pattern == "/" ||
      StartsWith(pattern, "/assets/")) {
    return Access::kPublic;
  }
  if (pattern == "/metrics" || pattern == api + "events") return Access::kViewEveryNamespace;
  if (StartsWith(pattern, api + "workers") || StartsWith(pattern, api + "tokens")) {
    return Access::kAdmin;
  }
  if (StartsWith(pattern, api)) {
    if (method == http::verb::get) return Access::kView;
    if (method == http::verb::post || method == http::verb::delete_) return Access::kSubmit;
  }
  return Access::kAdmin;
}

Router GuardRoutes(Router routes, AuthMode mode, auth::TokenVerifier* verifier) {
  if (mode == AuthMode::kOpen) return routes;
  return WrapRoutes(std::move(routes), [verifier](http::verb method, const std::string& pattern,
                                                  Handler handler) -> Handler {
    Access access = AccessFor(method, pattern);
    if (access == Access::kPublic) return handler;
    return Guard(std::move(handler), access, verifier);
  });
}

}  // namespace pipegrid::api
