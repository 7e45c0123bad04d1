#include "api/job_loader.h"

#include "api/json_views.h"

namespace pipegrid::api {
namespace {

Result<std::string> JobWithTasks(store::Store& store, const store::JobRecord& job) {
  PG_ASSIGN_OR_RETURN(std::vector<store::TaskRecord> tasks, store.ListTasks(job.id));
  PG_ASSIGN_OR_RETURN(std::vector<store::AttemptRecord> attempts, store.ListAttempts(job.id));
  return JobJsonText(job, tasks, attempts);
}

}  // namespace

Result<std::string> LoadJobText(store::Store& store, const std::string& job_id,
                                const auth::Principal* principal) {
  PG_ASSIGN_OR_RETURN(std::optional<store::JobRecord> job, store.GetJob(job_id));
  if (!job || (principal && !principal->Holds(job->namespace_))) {
    return NotFound("job " + job_id + " not found");
  }
  return JobWithTasks(store, *job);
}

Result<std::string> LoadJobTextByExternalId(store::Store& store, const std::string& namespace_,
                                            const std::string& external_id,
                                            const auth::Principal* principal) {
  PG_ASSIGN_OR_RETURN(std::optional<store::JobRecord> job,
                      store.GetJobByExternalId(namespace_, external_id));
  if (!job || (principal && !principal->Holds(job->namespace_))) {
    return NotFound("no job with externalId " + external_id + " in namespace " + namespace_);
  }
  return JobWithTasks(store, *job);
}

Result<nlohmann::json> JobSummaryJsonFromStore(store::Store& store, const store::JobRecord& job) {
  PG_ASSIGN_OR_RETURN(auto counts, store.CountJobTasksByState(job.id));
  return JobSummaryJson(job, counts);
}

}  // namespace pipegrid::api
