#include "server/worker_flags.h"

#include <sstream>

namespace pipegrid::server {

Result<std::map<std::string, std::string>> ParseLabels(const std::string& text) {
  std::map<std::string, std::string> out;
  if (text.empty()) return out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size() ||
        item.find('=', eq + 1) != std::string::npos) {
      return InvalidArgument("--labels: \"" + item + "\" is not KEY=VALUE");
    }
    std::string key = item.substr(0, eq);
    if (key.rfind("pipegrid.io/", 0) == 0) {
      return InvalidArgument("--labels: " + key +
                             " is set by pipegrid itself (use --name or --zone)");
    }
    if (!out.emplace(key, item.substr(eq + 1)).second) {
      return InvalidArgument("--labels: " + key + " is given twice");
    }
  }
  if (text.back() == ',') return InvalidArgument("--labels: trailing ','");
  return out;
}

}  // namespace pipegrid::server
