// The routes of DESIGN §5, registered on a Router by concern.
//
// Reads go straight to the Store from the HTTP threads (it is thread-safe and
// reads see committed data). Commands go through the Scheduler, whose answers
// arrive on its loop thread: they hop back to the HTTP threads with
// Responder::Post before reading the store, touching the disk or answering.
//
// Every reference passed in must outlive the HttpServer serving the router.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "api/request_stats.h"
#include "api/router.h"
#include "master/scheduler.h"
#include "store/store.h"

namespace pipegrid::api {

inline constexpr const char* kApiPrefix = "/api/v1";

// GET /jobs, /jobs/{id}, /jobs/by-external-id/{externalId}.
void AddJobReadRoutes(Router& router, store::Store& store);

// GET /jobs/{id}/events, /events.
void AddEventRoutes(Router& router, store::Store& store);

// GET /deadletters.
void AddDeadLetterReadRoutes(Router& router, store::Store& store);

// GET /jobs/{id}/tasks/{task}/logs, from the files under `log_dir`.
void AddLogRoutes(Router& router, store::Store& store, std::string log_dir);

// POST /jobs; DELETE /jobs/{id} (then removes <log_dir>/<id>);
// POST /jobs/{id}/cancel, /kill, /retry; POST /deadletters/{taskId}/requeue;
// GET /workers.
void AddCommandRoutes(Router& router, master::Scheduler& scheduler, store::Store& store,
                      std::string log_dir);

struct HealthContext {
  store::Store& store;
  const master::SchedulerCounters& counters;
  std::function<bool()> ready;  // called from HTTP threads: must be thread-safe
  std::shared_ptr<RequestStats> stats;
};

// At the root, unversioned: GET /healthz, /readyz, /metrics and /.
void AddHealthRoutes(Router& router, HealthContext context);

// GET /api/v1/openapi.json.
void AddOpenApiRoute(Router& router);

// The OpenAPI 3 document describing the routes above.
nlohmann::json OpenApiDocument();

}  // namespace pipegrid::api
