// pipegrid: one binary for every part (DESIGN §1). Subcommands are registered
// by their components; this file only assembles them.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "server/up_command.h"

int main(int argc, char** argv) {
  CLI::App app{"pipegrid: run DAG pipelines of command-line tools"};
  app.require_subcommand(1);
  int exit_code = 0;
  pipegrid::server::AddServerCommands(app, exit_code);
  pipegrid::cli::AddClientCommands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // DESIGN §7: usage errors exit 64; --help and --version exit 0.
    return rc == 0 ? 0 : 64;
  }
  return exit_code;
}
