// Bearer-token authentication and role checks for every route (DESIGN §6).
//
// With AuthMode::kRequired, each route is wrapped by what its (method,
// pattern) needs (AccessFor):
// - public: /healthz, /readyz and the web UI's files (the UI asks for a
//   token itself);
// - view: every other GET under /api/v1;
// - view of every namespace: GET /api/v1/events and GET /metrics, which show
//   all namespaces at once (Prometheus gets a `view --namespaces '*'` token);
// - submit: POST and DELETE under /api/v1 (submit, cancel, kill, retry,
//   delete, requeue);
// - admin: workers, drain, tokens - and any route this table does not know,
//   so a route added without thought is closed, not open.
// No, unknown or revoked token: 401 with `WWW-Authenticate: Bearer`; a role
// below the route's: 403. Namespaces are checked by the handlers, which know
// the job's (api/access.h): a namespace the token doesn't hold answers 404.
//
// With AuthMode::kOpen the routes are left as they are.
#pragma once

#include <string_view>

#include "api/router.h"
#include "auth/verifier.h"

namespace pipegrid::api {

enum class AuthMode { kOpen, kRequired };

std::string_view Name(AuthMode mode);  // "open", "required"

enum class Access { kPublic, kView, kViewEveryNamespace, kSubmit, kAdmin };

Access AccessFor(http::verb method, std::string_view pattern);

// `verifier` must outlive the returned router's handlers.
Router GuardRoutes(Router routes, AuthMode mode, auth::TokenVerifier* verifier);

}  // namespace pipegrid::api
