// Certificates for the cluster's mutual TLS (DESIGN §6): one private CA, and
// leaf certificates it issues to the master, the workers and API clients.
//
// Every key is ECDSA P-256 and every signature SHA-256: small, fast
// handshakes, and accepted by every TLS stack gRPC can use. Serial numbers are
// random, so certificates issued later by the same CA never collide. Time is
// passed in (`now`), never read here.
//
// Pure functions of their arguments (plus OpenSSL's RNG); thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "tls/openssl_util.h"
#include "tls/subject_alt_names.h"

namespace pipegrid::tls {

// A private key and the certificate for it.
struct KeyAndCert {
  EvpPkeyPtr key;
  X509Ptr cert;
};

struct CaOptions {
  std::string common_name = "pipegrid CA";
  WallTime now{};
  int days = 3650;
};

// A new self-signed CA: basicConstraints critical CA:TRUE with pathlen 0 (it
// signs leaves only), keyUsage critical keyCertSign + cRLSign, subject and
// authority key identifiers.
[[nodiscard]] Result<KeyAndCert> MakeCa(const CaOptions& options);

// What a leaf certificate may be used for (extendedKeyUsage).
enum class LeafUsage {
  kServerAndClient,  // master and worker: each serves and each dials
  kClient,           // API / worker-direct clients: dial only
};

struct LeafOptions {
  std::string common_name;
  // subjectAltName entries, used as given (see ServerAltNames()); may be
  // empty for a client certificate.
  std::vector<SubjectAltName> alt_names;
  LeafUsage usage = LeafUsage::kServerAndClient;
  WallTime now{};
  int days = 825;
};

// A new key and a certificate for it signed by `ca`: basicConstraints
// critical CA:FALSE, keyUsage critical digitalSignature, the extendedKeyUsage
// of `usage`, subject and authority key identifiers. The certificate never
// outlives its CA: notAfter is capped at the CA's. FailedPrecondition when
// the CA is expired at `now` (a new CA is needed).
[[nodiscard]] Result<KeyAndCert> IssueLeaf(const KeyAndCert& ca, const LeafOptions& options);

}  // namespace pipegrid::tls
