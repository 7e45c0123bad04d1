// Flags from the command line, the environment and a YAML config file, with
// the precedence of DESIGN §7: flag > environment > file > default.
//
// CLI11 2.1.2 cannot give that order by itself: App::_process() applies the
// config file (set_config, root app only) before the environment, and
// _process_env() skips options that already have a value, so a file would beat
// the environment. EnableEnvAndConfig() therefore uses CLI11 only for the
// environment (Option::envname) and reads the file itself, from the callback
// of the subcommand's own --config option. CLI11 runs that callback after it
// has applied the command line and the environment and before the
// subcommand's callback, so the file fills exactly the options that neither
// set (count() == 0).
//
// Not thread-safe: like CLI11 itself, use from the thread that parses.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pipegrid::cli {

// One key of a config file: a long flag name ("data-dir") and its value(s).
struct FlagConfigEntry {
  std::string key;
  std::vector<std::string> values;  // one for a scalar, any number for a sequence
  bool is_list = false;
};

// Parses a YAML mapping of flag names to scalars or sequences of scalars, in
// file order. An empty document is an empty mapping. Nested mappings, null
// values and non-scalar keys are InvalidArgument naming the key.
[[nodiscard]] Result<std::vector<FlagConfigEntry>> ParseFlagConfig(std::string_view yaml);

// Reads and parses `path`; errors name the file.
[[nodiscard]] Result<std::vector<FlagConfigEntry>> ReadFlagConfigFile(const std::string& path);

// "data-dir" -> "PIPEGRID_DATA_DIR".
std::string EnvNameForFlag(std::string_view prefix, std::string_view long_name);

// For every long option of `cmd` (and of its option groups) that has no
// environment variable yet, sets prefix + EnvNameForFlag (`--slots` ->
// PIPEGRID_SLOTS), and adds `--config FILE` (itself PIPEGRID_CONFIG). Call it
// after all of `cmd`'s options are added.
//
// The file is a YAML mapping whose keys are long flag names without dashes
// (`data-dir: /var/lib/pipegrid`, `slots: 4`, `label: [a=1, b=2]`); a flag
// takes `true`/`false`. A file is read only when `cmd` is the subcommand being
// run. Errors (unreadable file, bad YAML, a key naming no option of `cmd`, a
// list for a single-valued option) abort parsing with a CLI::ConfigError or
// CLI::FileError thrown from App::parse(): CLI11 reports errors only through
// exceptions, and callers already catch CLI::ParseError (exit 64).
void EnableEnvAndConfig(CLI::App& cmd, const std::string& prefix = "PIPEGRID_");

}  // namespace pipegrid::cli
