#include "api/access.h"

namespace pipegrid::api {

bool MaySee(const Request& request, const std::string& namespace_) {
  const auth::Principal* p = request.principal();
  return p == nullptr || p->Holds(namespace_);
}

std::vector<std::string> VisibleNamespaces(const Request& request) {
  const auth::Principal* p = request.principal();
  if (p == nullptr || p->all_namespaces) return {};
  return {p->namespaces.begin(), p->namespaces.end()};
}

Result<store::JobRecord> FindVisibleJob(store::Store& store, const Request& request,
                                        const std::string& job_id) {
  PG_ASSIGN_OR_RETURN(std::optional<store::JobRecord> job, store.GetJob(job_id));
  if (!job || !MaySee(request, job->namespace_)) return NotFound("job " + job_id + " not found");
  return std::move(*job);
}

Status CheckJobVisible(store::Store& store, const Request& request, const std::string& job_id) {
  const auth::Principal* p = request.principal();
  if (p == nullptr || p->all_namespaces) return Status::Ok();
  PG_ASSIGN_OR_RETURN(std::optional<store::JobRecord> job, store.GetJob(job_id));
  if (job && !p->Holds(job->namespace_)) return NotFound("job " + job_id + " not found");
  return Status::Ok();
}

}  // namespace pipegrid::api
