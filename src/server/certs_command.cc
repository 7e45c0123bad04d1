#include "server/certs_command.h"

#include <iostream>
#include <memory>

#include "cli/exit_codes.h"
#include "common/clock.h"
#include "tls/cert_dir.h"

namespace pipegrid::server {
namespace {

constexpr const char* kFooter =
    R"(Files: ca.crt, ca.key, master.crt/.key, worker.crt/.key and, with --client,
client-NAME.crt/.key. Keys are 0600, certificates 0644, a new directory 0700.
An existing CA in DIR is reused, so certificates issued later are trusted by
everything already deployed; --force creates a new CA and reissues everything.
master and worker certificates are rewritten when --hosts is given (or the CA
is new) and kept otherwise, so `--client NAME` alone only adds a client.
Copy ca.crt, worker.crt and worker.key to each worker; ca.key stays with you.)";

}  // namespace

void AddCertsCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<tls::CertDirOptions>();
  CLI::App* certs = app.add_subcommand(
      "certs", "Write a CA and certificates for mutual TLS between master, workers and clients");
  certs->footer(kFooter);
  certs->add_option("--out", options->out_dir, "Directory to write (created 0700 if missing)")
      ->type_name("DIR")
      ->required();
  certs
      ->add_option("--hosts", options->hosts,
                   "Names and addresses of the master and workers, comma-separated "
                   "(localhost, 127.0.0.1 and ::1 are always included)")
      ->type_name("HOST,...")
      ->delimiter(',');
  certs->add_option("--days", options->days, "Validity of the certificates issued now")
      ->type_name("N")
      ->capture_default_str();
  certs
      ->add_option("--client", options->client_name,
                   "Also issue client-NAME.crt/.key (client authentication only)")
      ->type_name("NAME");
  certs->add_flag("--force", options->force, "Replace an existing CA and reissue everything");
  certs->callback([options, &exit_code] {
    options->now = SystemClock::Instance().Wall();
    Result<tls::CertDirResult> result = tls::WriteCertDir(*options);
    if (!result.ok()) {
      std::cerr << "pipegrid certs: " << result.status().message() << "\n";
      exit_code = result.status().code() == StatusCode::kInvalidArgument ? cli::kExitUsage : 1;
      return;
    }
    for (const std::string& path : result->kept) std::cout << "kept  " << path << "\n";
    for (const std::string& path : result->written) std::cout << "wrote " << path << "\n";
    exit_code = cli::kExitOk;
  });
}

}  // namespace pipegrid::server
