// Reads a Job resource (DESIGN §5) from the store: the job, its tasks and
// their attempts. Used by the read routes and by commands, which answer with
// the job as it is once the scheduler has committed the change.
//
// Blocking store reads: call on the HTTP threads, never on the scheduler's.
// Thread-safe (the Store is).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "auth/principal.h"
#include "common/status.h"
#include "store/store.h"

namespace pipegrid::api {

// The Job with tasks and counters, as JSON text (JobJsonText); NotFound when
// there is no such job, or (with a principal) when it is in a namespace the
// principal doesn't hold - the same answer, so ids don't leak.
Result<std::string> LoadJobText(store::Store& store, const std::string& job_id,
                                const auth::Principal* principal = nullptr);

// The same for a job named by namespace and externalId.
Result<std::string> LoadJobTextByExternalId(store::Store& store, const std::string& namespace_,
                                            const std::string& external_id,
                                            const auth::Principal* principal = nullptr);

// The Job as lists show it: counters, no tasks.
Result<nlohmann::json> JobSummaryJsonFromStore(store::Store& store, const store::JobRecord& job);

}  // namespace pipegrid::api
