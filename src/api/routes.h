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
#include "common/clock.h"
#include "master/scheduler.h"
#include "store/store.h"

namespace pipegrid::logs {
class ChangeFeed;
class LogWatcher;
}  // namespace pipegrid::logs

namespace pipegrid::api {

// What the live-follow routes need. Without them, follow=true answers what
// exists now.
struct FollowSources {
  logs::ChangeFeed* changes = nullptr;  // null: follow=true answers what exists now
  logs::LogWatcher* watcher = nullptr;  // null: followed output arrives with commits
  Millis heartbeat{15'000};             // SSE keepalive interval
};

inline constexpr const char* kApiPrefix = "/api/v1";

// GET /jobs, /jobs/{id}, /jobs/by-external-id/{externalId}.
void AddJobReadRoutes(Router& router, store::Store& store);

// GET /jobs/{id}/events, /events; follow=true streams them as SSE, resumable
// with Last-Event-ID or since= (logs::EventFollower).
void AddEventRoutes(Router& router, store::Store& store, FollowSources live = {});

// GET /deadletters.
void AddDeadLetterReadRoutes(Router& router, store::Store& store);

// GET /jobs/{id}/tasks/{task}/logs, from the files under `log_dir`;
// follow=true streams the task's output until it is finished, across retries,
// as chunked text or (Accept: text/event-stream) SSE (logs::LogFollower).
void AddLogRoutes(Router& router, store::Store& store, std::string log_dir,
                  FollowSources live = {});

// GET /jobs/{id}/tasks/{task}/outputs: the task's kept files (its manifest);
// GET /jobs/{id}/tasks/{task}/outputs/{path...}: one of them, read from
// <outputs_dir>/<job id>/<task>/<path>, application/octet-stream with ETag
// "<sha256>". Only paths in the manifest are served (404 otherwise). Empty
// `outputs_dir`: listings work, downloads are 404.
void AddOutputRoutes(Router& router, store::Store& store, std::string outputs_dir);

// POST /jobs; DELETE /jobs/{id} (then removes <log_dir>/<id>);
// POST /jobs/{id}/cancel, /kill, /retry; POST /deadletters/{taskId}/requeue;
// GET /workers.
void AddCommandRoutes(Router& router, master::Scheduler& scheduler, store::Store& store,
                      std::string log_dir, std::string outputs_dir);

// POST /tokens, GET /tokens, DELETE /tokens/{id} (admin; auth/token_admin.h).
void AddTokenRoutes(Router& router, store::Store& store, const Clock& clock);

// GET /healthz, /readyz and /metrics: AddHealthRoutes in api/metrics.h.

// GET /api/v1/openapi.json.
void AddOpenApiRoute(Router& router);

// The OpenAPI 3 document describing the routes above.
nlohmann::json OpenApiDocument();

}  // namespace pipegrid::api
