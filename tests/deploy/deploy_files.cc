#include "deploy/deploy_files.h"

#include <fstream>
#include <sstream>

namespace pipegrid::deploy {

Result<std::string> ReadDeployFile(std::string_view relative) {
  std::string path = std::string(PIPEGRID_DEPLOY_DIR) + "/" + std::string(relative);
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<nlohmann::json> LoadDeployJson(std::string_view relative) {
  PG_ASSIGN_OR_RETURN(std::string text, ReadDeployFile(relative));
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument(std::string(relative) + " is not valid JSON");
  return doc;
}

Result<YAML::Node> LoadDeployYaml(std::string_view relative) {
  PG_ASSIGN_OR_RETURN(std::string text, ReadDeployFile(relative));
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string(relative) + " is not valid YAML: " + e.what());
  }
}

}  // namespace pipegrid::deploy
