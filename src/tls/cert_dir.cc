#include "tls/cert_dir.h"

#include <openssl/err.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>

#include "common/time_format.h"
#include "tls/cert_gen.h"
#include "tls/secure_file.h"
#include "tls/tls_dir.h"

namespace pipegrid::tls {
namespace {

constexpr mode_t kDirMode = 0700;
constexpr mode_t kKeyMode = 0600;
constexpr mode_t kCertMode = 0644;
constexpr std::string_view kForceHint = "; --force replaces it with a new CA";

std::string PathIn(const std::string& dir, std::string_view file) {
  return (std::filesystem::path(dir) / file).string();
}

bool Exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

bool HasNonBlank(const std::vector<std::string>& items) {
  return std::any_of(items.begin(), items.end(), [](const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](unsigned char c) { return !std::isspace(c); });
  });
}

// The directory's CA, if it has one that can issue certificates at `now`.
Result<std::optional<KeyAndCert>> LoadCa(const std::string& dir, WallTime now) {
  const std::string cert_path = PathIn(dir, kCaCertFile);
  const std::string key_path = PathIn(dir, kCaKeyFile);
  bool has_cert = Exists(cert_path);
  bool has_key = Exists(key_path);
  if (!has_cert && !has_key) return std::optional<KeyAndCert>();
  if (!has_cert || !has_key) {
    return FailedPrecondition(dir + " holds " + std::string(has_cert ? kCaCertFile : kCaKeyFile) +
                              " without " + std::string(has_cert ? kCaKeyFile : kCaCertFile) +
                              std::string(kForceHint));
  }
  PG_ASSIGN_OR_RETURN(std::string cert_pem, ReadSmallFile(cert_path));
  PG_ASSIGN_OR_RETURN(std::string key_pem, ReadSmallFile(key_path));
  auto cert = ParseCertPem(cert_pem);
  if (!cert.ok()) return FailedPrecondition(cert_path + ": " + cert.status().message());
  auto key = ParseKeyPem(key_pem);
  if (!key.ok()) return FailedPrecondition(key_path + ": " + key.status().message());
  if (X509_check_ca(cert->get()) == 0) {
    return FailedPrecondition(cert_path + " is not a CA certificate" + std::string(kForceHint));
  }
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return FailedPrecondition(key_path + " does not match " + cert_path + std::string(kForceHint));
  }
  const ASN1_TIME* not_after = X509_get0_notAfter(cert->get());
  time_t now_t = std::chrono::system_clock::to_time_t(now);
  if (X509_cmp_time(not_after, &now_t) != 1) {
    auto at = ToWallTime(*not_after);
    return FailedPrecondition(cert_path + " expired" + (at.ok() ? " at " + FormatTime(*at) : "") +
                              std::string(kForceHint));
  }
  return std::optional<KeyAndCert>(KeyAndCert{std::move(*key), std::move(*cert)});
}

// STEM.key, then STEM.crt: a run that dies in between leaves a key without
// its certificate, which the next run replaces or reports, never a
// certificate whose key is missing or stale.
Status WritePair(const std::string& dir, const std::string& stem, const KeyAndCert& pair,
                 CertDirResult& result) {
  PG_ASSIGN_OR_RETURN(std::string key_pem, KeyToPem(*pair.key));
  PG_ASSIGN_OR_RETURN(std::string cert_pem, CertToPem(*pair.cert));
  const std::string key_path = PathIn(dir, stem + ".key");
  const std::string cert_path = PathIn(dir, stem + ".crt");
  PG_RETURN_IF_ERROR(WriteFileAtomically(key_path, key_pem, kKeyMode));
  result.written.push_back(key_path);
  PG_RETURN_IF_ERROR(WriteFileAtomically(cert_path, cert_pem, kCertMode));
  result.written.push_back(cert_path);
  return Status::Ok();
}

}  // namespace

Result<CertDirResult> WriteCertDir(const CertDirOptions& options) {
  if (options.out_dir.empty()) return InvalidArgument("--out: a directory is required");
  if (options.days < 1 || options.days > kMaxDays) {
    return InvalidArgument("--days must be between 1 and " + std::to_string(kMaxDays));
  }
  if (!options.client_name.empty()) {
    if (Status s = ValidateClientName(options.client_name); !s.ok()) {
      return InvalidArgument("--client: " + s.message());
    }
  }
  PG_ASSIGN_OR_RETURN(std::vector<SubjectAltName> alt_names, ServerAltNames(options.hosts));
  const bool hosts_given = HasNonBlank(options.hosts);
  const std::string& dir = options.out_dir;
  PG_RETURN_IF_ERROR(EnsureDirectory(dir, kDirMode));

  CertDirResult result;
  std::optional<KeyAndCert> ca;
  if (!options.force) {
    PG_ASSIGN_OR_RETURN(ca, LoadCa(dir, options.now));
  }
  if (ca) {
    result.kept.push_back(PathIn(dir, kCaCertFile));
    result.kept.push_back(PathIn(dir, kCaKeyFile));
  } else {
    PG_ASSIGN_OR_RETURN(ca,
                        MakeCa({.now = options.now, .days = std::max(options.days, kMinCaDays)}));
    PG_RETURN_IF_ERROR(WritePair(dir, "ca", *ca, result));
    result.ca_created = true;
  }

  for (TlsRole role : {TlsRole::kMaster, TlsRole::kWorker}) {
    const std::string stem = CertFileStem(role);
    const std::string cert_path = PathIn(dir, stem + ".crt");
    const std::string key_path = PathIn(dir, stem + ".key");
    if (!result.ca_created && !hosts_given && Exists(cert_path) && Exists(key_path)) {
      result.kept.push_back(cert_path);
      result.kept.push_back(key_path);
      continue;
    }
    PG_ASSIGN_OR_RETURN(KeyAndCert leaf, IssueLeaf(*ca, {.common_name = "pipegrid " + stem,
                                                         .alt_names = alt_names,
                                                         .usage = LeafUsage::kServerAndClient,
                                                         .now = options.now,
                                                         .days = options.days}));
    PG_RETURN_IF_ERROR(WritePair(dir, stem, leaf, result));
  }

  if (!options.client_name.empty()) {
    PG_ASSIGN_OR_RETURN(KeyAndCert leaf, IssueLeaf(*ca, {.common_name = options.client_name,
                                                         .alt_names = {},  // dials only
                                                         .usage = LeafUsage::kClient,
                                                         .now = options.now,
                                                         .days = options.days}));
    PG_RETURN_IF_ERROR(
        WritePair(dir, CertFileStem(TlsRole::kClient, options.client_name), leaf, result));
  }
  return result;
}

}  // namespace pipegrid::tls
