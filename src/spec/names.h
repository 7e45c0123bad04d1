// The name rules of DESIGN §2, for the spec and for anyone else who accepts
// these names (e.g. a namespace in a query string). Pure functions.
#pragma once

#include <string_view>

namespace pipegrid::spec {

// ^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$ — tasks and executors; URL-safe as is.
bool IsValidTaskName(std::string_view name);
// ^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$
bool IsValidJobName(std::string_view name);
// ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ (a DNS label)
bool IsValidNamespace(std::string_view name);
// ^[A-Za-z0-9]([A-Za-z0-9_./-]*[A-Za-z0-9])?$, at most 63 characters: labels
// and nodeSelector keys, such as "pipegrid.io/zone".
bool IsValidLabelKey(std::string_view key);

}  // namespace pipegrid::spec
