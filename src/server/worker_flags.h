// Parsing of `pipegrid worker` flag values. Pure functions.
#pragma once

#include <map>
#include <string>

#include "common/status.h"

namespace pipegrid::server {

// "--labels k=v,k=v": keys and values are non-empty and hold no ',' or '=';
// keys under pipegrid.io/ are refused (the master sets those itself).
// An empty text is no labels.
Result<std::map<std::string, std::string>> ParseLabels(const std::string& text);

}  // namespace pipegrid::server
