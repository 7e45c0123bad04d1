// The worker's instance id (issue 4 item 4): random, kept in its work dir, so
// the same machine coming back under its name is told apart from a second
// machine misconfigured with the same name.
#pragma once

#include <string>

#include "common/status.h"

namespace pipegrid::worker {

// Reads <work_dir>/instance-id, or creates it (0600) with a new random id.
Result<std::string> LoadOrCreateInstanceId(const std::string& work_dir);

}  // namespace pipegrid::worker
