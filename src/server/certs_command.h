// `pipegrid certs`: writes the certificates for mutual TLS between master,
// workers and clients (DESIGN §6) into one directory, read by --tls-dir.
#pragma once

#include <CLI/CLI.hpp>

namespace pipegrid::server {

// Registers `certs`; its exit code is stored in `exit_code`: 0 done, 64 bad
// flags, 1 anything else (file system, an unusable CA in the directory).
void AddCertsCommand(CLI::App& app, int& exit_code);

}  // namespace pipegrid::server
