// Loading the files of the operations kit (deploy/) in tests. The directory
// is compiled in (PIPEGRID_DEPLOY_DIR), so the binary runs from anywhere.
// Parser exceptions are turned into InvalidArgument naming the file.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pipegrid::deploy {

// `relative` is a path under deploy/, e.g. "prometheus/alerts.yml".
[[nodiscard]] Result<std::string> ReadDeployFile(std::string_view relative);
[[nodiscard]] Result<nlohmann::json> LoadDeployJson(std::string_view relative);
[[nodiscard]] Result<YAML::Node> LoadDeployYaml(std::string_view relative);

}  // namespace pipegrid::deploy
