// The TLS directory read by `--tls-dir` and written by `pipegrid certs`
// (DESIGN §6): ca.crt, ca.key, master.crt/.key, worker.crt/.key and, for API
// and worker-direct clients, client-NAME.crt/.key.
//
// Pure functions of the files; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace pipegrid::tls {

inline constexpr std::string_view kCaCertFile = "ca.crt";
inline constexpr std::string_view kCaKeyFile = "ca.key";

// Which identity of the directory a process presents.
enum class TlsRole { kMaster, kWorker, kClient };

// "master", "worker" or "client-NAME": the files are STEM.crt and STEM.key.
std::string CertFileStem(TlsRole role, std::string_view client_name = {});

// InvalidArgument unless `name` can name a client certificate: 1 to 64
// letters, digits, '.', '_' or '-', starting with a letter or digit (it
// becomes part of a file name and the certificate's common name).
[[nodiscard]] Status ValidateClientName(std::string_view name);

// One identity's PEM material, as gRPC's credential options take it.
struct TlsFiles {
  std::string dir;          // for messages
  std::string cert_file;    // "worker.crt", for messages
  std::string ca_cert_pem;  // the only trust anchor for the peer
  std::string cert_pem;     // this side's certificate
  std::string key_pem;      // and its private key
};

// Reads ca.crt and the role's certificate and key from `dir` and checks that
// they fit together: each parses, the key belongs to the certificate, and the
// certificate is signed by ca.crt. (ca.key is not read: only `pipegrid certs`
// needs it, and it should not even be present on workers.) `client_name` is
// used for kClient only. Validity dates are not checked here; see
// CheckValidAt().
//
// Errors name the flag, the directory and the file:
//   NotFound          "--tls-dir /x: ca.crt missing" (or the directory)
//   PermissionDenied  "--tls-dir /x: worker.key: Permission denied"
//   InvalidArgument   "--tls-dir /x: worker.key does not match worker.crt",
//                     "--tls-dir /x: worker.crt is not signed by ca.crt (...)"
[[nodiscard]] Result<TlsFiles> LoadTlsDir(const std::string& dir, TlsRole role,
                                          std::string_view client_name = {});

// OK when both the certificate and ca.crt are valid at `now`;
// FailedPrecondition ("--tls-dir /x: worker.crt: certificate has expired")
// otherwise, so a process can refuse to start instead of failing every
// handshake later.
[[nodiscard]] Status CheckValidAt(const TlsFiles& files, WallTime now);

}  // namespace pipegrid::tls
