// GET /jobs, /jobs/{id}, /jobs/by-external-id/{externalId}: reads, answered
// from the store on the HTTP thread.
#include <string>

#include "api/errors.h"
#include "api/job_loader.h"
#include "api/json_views.h"
#include "api/list_params.h"
#include "api/routes.h"

namespace pipegrid::api {
namespace {

Result<nlohmann::json> ListJobs(store::Store& store, const Request& request) {
  PG_ASSIGN_OR_RETURN(store::JobFilter filter, ParseJobFilter(request));
  int limit = filter.limit;
  filter.limit = limit + 1;  // one more than asked: is there another page?
  PG_ASSIGN_OR_RETURN(std::vector<store::JobRecord> jobs, store.ListJobs(filter));
  std::optional<std::string> token =
      TakePage(jobs, limit, [](const store::JobRecord& job) { return job.id; });
  nlohmann::json items = nlohmann::json::array();
  // One count query per listed job for its counters (the task rows are not
  // read); a page is at most kMaxLimit jobs.
  for (const store::JobRecord& job : jobs) {
    PG_ASSIGN_OR_RETURN(nlohmann::json summary, JobSummaryJsonFromStore(store, job));
    items.push_back(std::move(summary));
  }
  return ListJson(std::move(items), token);
}

}  // namespace

void AddJobReadRoutes(Router& router, store::Store& store) {
  const std::string prefix = kApiPrefix;

  router.Add(http::verb::get, prefix + "/jobs", [&store](const Request& request, Responder r) {
    r.Send(JsonOrError(ListJobs(store, request)));
  });

  router.Add(http::verb::get, prefix + "/jobs/{id}", [&store](const Request& request, Responder r) {
    r.Send(JsonTextOrError(LoadJobText(store, request.Param("id"), request.principal())));
  });

  router.Add(http::verb::get, prefix + "/jobs/by-external-id/{externalId}",
             [&store](const Request& request, Responder r) {
               std::string namespace_ = request.Query("namespace").value_or("default");
               if (namespace_.empty()) namespace_ = "default";
               r.Send(JsonTextOrError(
                   LoadJobTextByExternalId(store, namespace_, request.Param("externalId"),
                                           request.principal())));
             });
}

}  // namespace pipegrid::api
