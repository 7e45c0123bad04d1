// `pipegrid worker --master HOST:PORT`: a remote worker (DESIGN §7, issue 4).
#pragma once

#include <CLI/CLI.hpp>

namespace pipegrid::server {

void AddWorkerCommand(CLI::App& app, int& exit_code);

}  // namespace pipegrid::server
