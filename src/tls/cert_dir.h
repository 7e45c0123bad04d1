// `pipegrid certs`: fills a TLS directory (tls_dir.h) with a CA and the
// certificates it issues.
//
// Rules (also in the command's help):
// - The CA (ca.crt + ca.key) is created when absent and reused otherwise, so
//   certificates issued later (another client, new hosts) are trusted by
//   everything already deployed. `force` replaces it, and with it every
//   certificate of the directory this call writes.
// - master and worker certificates are written when absent, when `hosts` is
//   given, or when the CA is new; otherwise the existing ones are kept, so
//   `--client NAME` alone adds a client certificate and touches nothing else.
// - client-NAME is written when `client_name` is given.
// Keys are written 0600, certificates 0644, a directory created here 0700.
//
// Not safe to run concurrently on one directory (two runs could each create a
// CA); one run at a time per directory, as a CLI command naturally is.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace pipegrid::tls {

struct CertDirOptions {
  std::string out_dir;
  // Host names and addresses of the master and workers (subjectAltName);
  // localhost, 127.0.0.1 and ::1 are always added.
  std::vector<std::string> hosts;
  int days = 825;           // validity of the certificates issued now
  std::string client_name;  // empty: no client certificate
  bool force = false;
  WallTime now{};
};

struct CertDirResult {
  bool ca_created = false;
  std::vector<std::string> written;  // paths, in the order written
  std::vector<std::string> kept;     // existing paths left as they were
};

// Validity of a newly created CA: ten years, or `days` if longer, so the CA
// outlives the certificates it issues now and later.
inline constexpr int kMinCaDays = 3650;
inline constexpr int kMaxDays = 36500;

// InvalidArgument for a bad option (days outside 1..kMaxDays, a host that is
// neither an IP address nor a DNS name, a bad client name);
// FailedPrecondition when the directory holds half a CA or a CA that does not
// fit (key does not match, not a CA, expired) and `force` is not set; the
// errors of the file system otherwise. Nothing is written unless the options
// are valid and the CA is usable.
[[nodiscard]] Result<CertDirResult> WriteCertDir(const CertDirOptions& options);

}  // namespace pipegrid::tls
