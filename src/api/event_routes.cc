// GET /jobs/{id}/events and /events: the event history, oldest first, paged
// by sequence number.
//
// `follow=true` (SSE, resumable with Last-Event-ID) is a later issue; until
// then a followed request gets the current page like any other.
#include <string>

#include "api/errors.h"
#include "api/json_views.h"
#include "api/list_params.h"
#include "api/routes.h"

namespace pipegrid::api {
namespace {

Result<nlohmann::json> ListEvents(store::Store& store, const Request& request,
                                  const std::string& job_id) {
  PG_ASSIGN_OR_RETURN(store::EventFilter filter, ParseEventFilter(request));
  if (!job_id.empty()) {
    // An unknown job is a 404, not an empty history.
    PG_ASSIGN_OR_RETURN(std::optional<store::JobRecord> job, store.GetJob(job_id));
    if (!job) return NotFound("job " + job_id + " not found");
    filter.job_id = job_id;
  }
  int limit = filter.limit;
  filter.limit = limit + 1;  // one more than asked: is there another page?
  PG_ASSIGN_OR_RETURN(std::vector<store::EventRecord> events, store.ListEvents(filter));
  std::optional<std::string> token =
      TakePage(events, limit, [](const store::EventRecord& e) { return std::to_string(e.seq); });
  nlohmann::json items = nlohmann::json::array();
  for (const store::EventRecord& e : events) items.push_back(EventJson(e));
  return ListJson(std::move(items), token);
}

}  // namespace

void AddEventRoutes(Router& router, store::Store& store) {
  const std::string prefix = kApiPrefix;
  router.Add(http::verb::get, prefix + "/events", [&store](const Request& request, Responder r) {
    r.Send(JsonOrError(ListEvents(store, request, "")));
  });
  router.Add(http::verb::get, prefix + "/jobs/{id}/events",
             [&store](const Request& request, Responder r) {
               r.Send(JsonOrError(ListEvents(store, request, request.Param("id"))));
             });
}

}  // namespace pipegrid::api
