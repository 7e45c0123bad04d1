// The unversioned routes at the root: liveness, readiness, Prometheus metrics
// and the placeholder for the web UI.
#include <string>

#include "api/errors.h"
#include "api/metrics.h"
#include "api/routes.h"

namespace pipegrid::api {
namespace {

constexpr const char* kIndexHtml = R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>pipegrid</title></head>
<body>
<h1>pipegrid</h1>
<p>pipegrid &mdash; UI arrives with the observability release.</p>
<ul>
<li><a href="/api/v1/jobs">/api/v1/jobs</a></li>
<li><a href="/metrics">/metrics</a></li>
<li><a href="/api/v1/openapi.json">/api/v1/openapi.json</a></li>
</ul>
</body>
</html>
)";

Result<MetricsSnapshot> Gather(const HealthContext& c) {
  MetricsSnapshot s;
  PG_ASSIGN_OR_RETURN(s.jobs_by_state, c.store.CountJobsByState());
  PG_ASSIGN_OR_RETURN(s.tasks_by_state, c.store.CountTasksByState());
  PG_ASSIGN_OR_RETURN(s.attempts_by_outcome, c.store.CountAttemptsByOutcome());
  s.submits = c.counters.submits.load();
  s.attempts_started = c.counters.attempts_started.load();
  s.retries = c.counters.retries.load();
  s.dead_letters = c.counters.dead_letters.load();
  s.queue_depth = c.counters.queue_depth.load();
  s.http_requests = c.stats->Snapshot();
  return s;
}

}  // namespace

void AddHealthRoutes(Router& router, HealthContext context) {
  auto c = std::make_shared<const HealthContext>(std::move(context));

  // Alive as long as it answers: nothing else to check.
  router.Add(http::verb::get, "/healthz", [](const Request&, Responder r) {
    r.Send(JsonResponse(http::status::ok, {{"status", "ok"}}));
  });

  router.Add(http::verb::get, "/readyz", [c](const Request&, Responder r) {
    if (c->ready()) return r.Send(JsonResponse(http::status::ok, {{"status", "ready"}}));
    r.Send(ErrorResponse(Unavailable("not ready: starting up or shutting down")));
  });

  router.Add(http::verb::get, "/metrics", [c](const Request&, Responder r) {
    Result<MetricsSnapshot> snapshot = Gather(*c);
    if (!snapshot.ok()) return r.Send(ErrorResponse(snapshot.status()));
    r.Send(TextResponse(http::status::ok, RenderMetrics(*snapshot), kMetricsContentType));
  });

  router.Add(http::verb::get, "/", [](const Request&, Responder r) {
    r.Send(TextResponse(http::status::ok, kIndexHtml, "text/html; charset=utf-8"));
  });
}

}  // namespace pipegrid::api
