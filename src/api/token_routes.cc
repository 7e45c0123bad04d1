// POST /tokens, GET /tokens, DELETE /tokens/{id}: admin only (auth_guard).
// The store answers directly; tokens are not scheduler state.
#include <string>
#include <vector>

#include "api/errors.h"
#include "api/json_views.h"
#include "api/routes.h"
#include "auth/token_admin.h"

namespace pipegrid::api {
namespace {

// {"role": "submit", "namespaces": ["a", "b"], "name": "ci"}: unknown fields
// are refused, as in job specs, so a typo ("namespace") is not ignored.
Result<auth::NewToken> CreateFromBody(store::Store& store, const Clock& clock,
                                      const std::string& body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object()) return InvalidArgument("the body must be a JSON object");
  std::string role;
  std::vector<std::string> namespaces;
  std::string name;
  for (const auto& [key, value] : doc.items()) {
    if (key == "role" && value.is_string()) {
      role = value.get<std::string>();
    } else if (key == "namespaces" && value.is_array()) {
      for (const auto& ns : value) {
        if (!ns.is_string()) return InvalidArgument("namespaces must be strings", "namespaces");
        namespaces.push_back(ns.get<std::string>());
      }
    } else if (key == "name" && value.is_string()) {
      name = value.get<std::string>();
    } else if (key == "role" || key == "namespaces" || key == "name") {
      return InvalidArgument(key + " has the wrong type", key);
    } else {
      return InvalidArgument("unknown field \"" + key + "\" (role, namespaces, name)", key);
    }
  }
  if (role.empty()) return InvalidArgument("role is required (admin, submit or view)", "role");
  return auth::CreateToken(store, role, namespaces, name, clock.Wall());
}

}  // namespace

void AddTokenRoutes(Router& router, store::Store& store, const Clock& clock) {
  const std::string base = std::string(kApiPrefix) + "/tokens";

  router.Add(http::verb::post, base, [&store, &clock](const Request& request, Responder r) {
    Result<auth::NewToken> made = CreateFromBody(store, clock, request.body());
    if (!made.ok()) return r.Send(ErrorResponse(made.status()));
    nlohmann::json out = auth::TokenJson(made->record);
    out["token"] = made->secret;  // the only time it is shown
    Response res = JsonResponse(http::status::created, out);
    res.set(http::field::cache_control, "no-store");
    r.Send(std::move(res));
  });

  router.Add(http::verb::get, base, [&store](const Request&, Responder r) {
    Result<std::vector<store::TokenRecord>> tokens = store.ListTokens();
    if (!tokens.ok()) return r.Send(ErrorResponse(tokens.status()));
    nlohmann::json items = nlohmann::json::array();
    for (const store::TokenRecord& t : *tokens) items.push_back(auth::TokenJson(t));
    r.Send(JsonResponse(http::status::ok, ListJson(std::move(items), std::nullopt)));
  });

  router.Add(http::verb::delete_, base + "/{id}",
             [&store, &clock](const Request& request, Responder r) {
               // An id, or the secret itself (`pipegrid token revoke pgt_…`).
               Result<std::string> id = auth::RevokeToken(store, request.Param("id"), clock.Wall());
               if (!id.ok()) return r.Send(ErrorResponse(id.status()));
               r.Send(EmptyResponse(http::status::no_content));
             });
}

}  // namespace pipegrid::api
