// The client subcommands of `pipegrid` (DESIGN §5, §7): submit, jobs, get,
// logs, cancel, kill, retry, delete, dlq list|requeue, workers, run, outputs.
//
// Each command runs from its CLI11 callback, inside app.parse(), and stores
// its exit code (0 ok / job succeeded, 1 job failed, 2 job cancelled, 3
// rejected, 4 unreachable or 5xx, 64 usage) in `exit_code`, which must outlive
// the parse. Flag errors found by CLI11 itself still surface as
// CLI::ParseError from app.parse(), which the caller maps to 64.
//
// Not thread-safe: parse on one thread.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/client_session.h"

namespace pipegrid::cli {

// Registers the commands, writing to the process's stdout/stderr.
void AddClientCommands(CLI::App& app, int& exit_code);

// Same with an injected process environment (tests, embedding).
void AddClientCommands(CLI::App& app, int& exit_code, ClientEnv env);

}  // namespace pipegrid::cli
