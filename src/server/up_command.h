// The server-side subcommands: `up` and `version`.
#pragma once

#include <CLI/CLI.hpp>

namespace pipegrid::server {

// Registers the subcommands; a command's exit code is stored in `exit_code`.
void AddServerCommands(CLI::App& app, int& exit_code);

}  // namespace pipegrid::server
