// Files handed between tasks (issue 8): a succeeded attempt's kept files
// (outputs.files) and the upstream files placed under inputs/ before a task
// runs. Pure functions of the file system; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "common/worker_protocol.h"

namespace pipegrid::worker {

// SHA-256 of a file's content, lowercase hex.
Result<std::string> Sha256File(const std::string& path);

// Resolves outputs.files in `workspace`: each entry is a path or a glob
// (fnmatch rules, '/' not matched by wildcards) relative to it. Regular files
// only; symbolic links are refused (they could point outside). Every entry
// must match at least one file: FailedPrecondition naming the first that
// does not ("declared output out.txt is missing"). Larger in all than
// `max_bytes`: ResourceExhausted. Paths come back relative, sorted, once.
Result<std::vector<protocol::OutputFile>> CollectOutputs(const std::string& workspace,
                                                         const std::vector<std::string>& patterns,
                                                         int64_t max_bytes);

// Places each input at <workspace>/inputs/<task>/<path> (a hard link to its
// `local` file when possible, else a copy), mode 0444. Paths with "..",
// absolute paths or unsafe task names are refused.
Status PlaceInputs(const std::string& workspace, const std::vector<protocol::InputFile>& inputs);

// True for a relative path without "..", "." or empty components.
bool IsSafeRelativePath(const std::string& path);

}  // namespace pipegrid::worker
