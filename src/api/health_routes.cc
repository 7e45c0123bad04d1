// The unversioned routes at the root: liveness, readiness, Prometheus metrics
// (the web UI is served by ui_routes.cc).
#include <string>

#include "api/errors.h"
#include "api/metrics.h"
#include "api/routes.h"

namespace pipegrid::api {

void AddHealthRoutes(Router& router, MetricsSources sources) {
  auto s = std::make_shared<const MetricsSources>(std::move(sources));

  // Alive as long as it answers: nothing else to check.
  router.Add(http::verb::get, "/healthz", [](const Request&, Responder r) {
    r.Send(JsonResponse(http::status::ok, {{"status", "ok"}}));
  });

  router.Add(http::verb::get, "/readyz", [s](const Request&, Responder r) {
    if (s->ready()) return r.Send(JsonResponse(http::status::ok, {{"status", "ready"}}));
    r.Send(ErrorResponse(Unavailable("not ready: starting up or shutting down")));
  });

  router.Add(http::verb::get, "/metrics", [s](const Request&, Responder r) {
    GatherMetrics(*s, [r](Result<MetricsSnapshot> snapshot) {
      // Possibly on the scheduler's loop: render on our own threads.
      r.Post([r, snapshot = std::move(snapshot)] {
        if (!snapshot.ok()) return r.Send(ErrorResponse(snapshot.status()));
        r.Send(TextResponse(http::status::ok, RenderMetrics(*snapshot), kMetricsContentType));
      });
    });
  });
}

}  // namespace pipegrid::api
