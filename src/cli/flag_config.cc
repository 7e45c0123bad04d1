#include "cli/flag_config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace pipegrid::cli {
namespace {

bool IsHelpOption(const CLI::Option& opt) {
  for (const std::string& name : opt.get_lnames()) {
    if (name == "help" || name == "help-all") return true;
  }
  return false;
}

// The options of `cmd` and of its option groups (nameless subcommands), whose
// options CLI11 also finds by name.
void CollectOptions(CLI::App& cmd, std::vector<CLI::Option*>& out) {
  for (CLI::Option* opt : cmd.get_options()) out.push_back(opt);
  for (CLI::App* group : cmd.get_subcommands([](CLI::App* a) { return a->get_name().empty(); })) {
    CollectOptions(*group, out);
  }
}

std::string Located(const YAML::Node& node, std::string_view what) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return std::string(what);
  return std::string(what) + " (line " + std::to_string(mark.line + 1) + ")";
}

// Fills one option from a config entry, as CLI11's own config reader would.
void ApplyEntry(CLI::Option& opt, const FlagConfigEntry& entry, const std::string& path) {
  const std::string where = "config file " + path + ": key \"" + entry.key + "\"";
  if (!opt.get_configurable()) {
    throw CLI::ConfigError(where + ": --" + entry.key + " cannot be set from a config file");
  }
  if (opt.get_expected_min() == 0) {  // a flag
    if (entry.is_list) throw CLI::ConfigError(where + ": a flag takes true or false, not a list");
    opt.add_result(opt.get_flag_value(entry.key, entry.values.front()));
  } else {
    if (entry.is_list && opt.get_items_expected_max() <= 1) {
      throw CLI::ConfigError(where + ": --" + entry.key + " takes one value, not a list");
    }
    std::vector<std::string> values = entry.values;
    opt.add_result(values);
  }
  // CLI11 already walked past options that had no value when it ran their
  // callbacks; run this one now so its bound variable is set (and validated).
  opt.run_callback();
}

void ApplyConfigFile(CLI::App& cmd, const std::string& path) {
  // CLI11 runs option callbacks of every subcommand, run or not, when the
  // option has a value; PIPEGRID_CONFIG would otherwise load the file for
  // commands that were never asked for.
  if (!cmd.parsed()) return;
  Result<std::vector<FlagConfigEntry>> entries = ReadFlagConfigFile(path);
  if (!entries.ok()) throw CLI::FileError(entries.status().message());
  for (const FlagConfigEntry& entry : *entries) {
    if (entry.key == "config") {
      throw CLI::ConfigError("config file " + path + ": key \"config\": a config file cannot " +
                             "name another one");
    }
    CLI::Option* opt = entry.key == "help" || entry.key == "help-all"
                           ? nullptr
                           : cmd.get_option_no_throw("--" + entry.key);
    if (opt == nullptr) {
      throw CLI::ConfigError("config file " + path + ": unknown key \"" + entry.key +
                             "\" (no option --" + entry.key + " for '" + cmd.get_name() + "')");
    }
    // Set on the command line or from the environment: those win.
    if (opt->count() > 0) continue;
    ApplyEntry(*opt, entry, path);
  }
}

}  // namespace

Result<std::vector<FlagConfigEntry>> ParseFlagConfig(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return InvalidArgument("invalid YAML: " + std::string(e.what()));
  }
  std::vector<FlagConfigEntry> entries;
  if (root.IsNull()) return entries;
  if (!root.IsMap()) return InvalidArgument(Located(root, "expected a mapping of flag names"));
  for (const auto& item : root) {
    if (!item.first.IsScalar()) return InvalidArgument(Located(item.first, "a key must be a name"));
    FlagConfigEntry entry;
    entry.key = item.first.Scalar();
    const YAML::Node& value = item.second;
    const std::string key_text = "key \"" + entry.key + "\"";
    if (value.IsScalar()) {
      entry.values.push_back(value.Scalar());
    } else if (value.IsSequence()) {
      entry.is_list = true;
      for (const YAML::Node& element : value) {
        if (!element.IsScalar()) {
          return InvalidArgument(Located(element, key_text + ": list items must be plain values"));
        }
        entry.values.push_back(element.Scalar());
      }
    } else if (value.IsMap()) {
      return InvalidArgument(
          Located(value, key_text + ": expected a value or a list, not a mapping"));
    } else {
      return InvalidArgument(Located(item.first, key_text + " has no value"));
    }
    for (const FlagConfigEntry& seen : entries) {
      if (seen.key == entry.key) return InvalidArgument(key_text + " appears twice");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<std::vector<FlagConfigEntry>> ReadFlagConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgument("cannot read config file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return InvalidArgument("cannot read config file " + path);
  Result<std::vector<FlagConfigEntry>> entries = ParseFlagConfig(text.str());
  if (!entries.ok()) {
    return InvalidArgument("config file " + path + ": " + entries.status().message());
  }
  return entries;
}

std::string EnvNameForFlag(std::string_view prefix, std::string_view long_name) {
  std::string name(prefix);
  for (char c : long_name) {
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

void EnableEnvAndConfig(CLI::App& cmd, const std::string& prefix) {
  std::vector<CLI::Option*> options;
  CollectOptions(cmd, options);
  for (CLI::Option* opt : options) {
    if (opt->get_lnames().empty() || IsHelpOption(*opt) || !opt->get_envname().empty()) continue;
    opt->envname(EnvNameForFlag(prefix, opt->get_lnames().front()));
  }
  CLI::App* target = &cmd;
  cmd.add_option_function<std::string>(
         "--config", [target](const std::string& path) { ApplyConfigFile(*target, path); },
         "YAML file of flag values (keys: long flag names); flags and environment win")
      ->envname(EnvNameForFlag(prefix, "config"))
      ->configurable(false)
      ->type_name("FILE");
}

}  // namespace pipegrid::cli
