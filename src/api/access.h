// Namespace checks for handlers (DESIGN §6): a token sees only the
// namespaces it holds, and anything outside them answers exactly as if it
// did not exist (404), so ids in other namespaces don't leak. Requests
// without a principal (--auth open) see everything.
#pragma once

#include <string>
#include <vector>

#include "api/http_message.h"
#include "common/status.h"
#include "store/store.h"

namespace pipegrid::api {

bool MaySee(const Request& request, const std::string& namespace_);

// What a list must be limited to: empty when the request sees every
// namespace, else the token's namespaces.
std::vector<std::string> VisibleNamespaces(const Request& request);

// The job, if it exists and the request may see it; NotFound ("job X not
// found") otherwise, the same answer either way.
Result<store::JobRecord> FindVisibleJob(store::Store& store, const Request& request,
                                        const std::string& job_id);

// NotFound ("job X not found", the same words as for a missing job) when
// the request may not see job `job_id`'s namespace. Reads the job only for
// tokens limited to some namespaces. Does not say whether the job exists:
// the handler's own lookup does.
Status CheckJobVisible(store::Store& store, const Request& request, const std::string& job_id);

}  // namespace pipegrid::api
