#include "tls/tls_dir.h"

#include <openssl/err.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "tls/openssl_util.h"
#include "tls/secure_file.h"
#include "tls/verify.h"

namespace pipegrid::tls {
namespace {

// ReadSmallFile's messages start with the full path; under a "--tls-dir DIR: "
// prefix the bare file name reads better.
std::string Reason(const Status& status, const std::string& path) {
  std::string_view message = status.message();
  std::string path_prefix = path + ": ";
  if (message.starts_with(path_prefix)) message.remove_prefix(path_prefix.size());
  return std::string(message);
}

Result<std::string> ReadTlsFile(const std::string& dir, std::string_view file,
                                const std::string& prefix) {
  std::string path = (std::filesystem::path(dir) / file).string();
  Result<std::string> data = ReadSmallFile(path);
  if (data.ok()) return data;
  if (data.status().code() == StatusCode::kNotFound) {
    return NotFound(prefix + std::string(file) + " missing");
  }
  return Status(data.status().code(),
                prefix + std::string(file) + ": " + Reason(data.status(), path));
}

}  // namespace

std::string CertFileStem(TlsRole role, std::string_view client_name) {
  switch (role) {
    case TlsRole::kMaster:
      return "master";
    case TlsRole::kWorker:
      return "worker";
    case TlsRole::kClient:
      return "client-" + std::string(client_name);
  }
  return "";
}

Status ValidateClientName(std::string_view name) {
  auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  };
  bool ok = !name.empty() && name.size() <= 64 &&
            std::isalnum(static_cast<unsigned char>(name.front())) &&
            std::all_of(name.begin(), name.end(), allowed);
  if (!ok) {
    return InvalidArgument("client name \"" + std::string(name) +
                           "\" must be 1-64 letters, digits, '.', '_' or '-', starting with "
                           "a letter or digit");
  }
  return Status::Ok();
}

Result<TlsFiles> LoadTlsDir(const std::string& dir, TlsRole role, std::string_view client_name) {
  const std::string prefix = "--tls-dir " + dir + ": ";
  if (role == TlsRole::kClient) {
    if (Status s = ValidateClientName(client_name); !s.ok()) {
      return InvalidArgument(prefix + s.message());
    }
  }
  std::error_code ec;
  auto type = std::filesystem::status(dir, ec).type();
  if (type == std::filesystem::file_type::not_found) return NotFound(prefix + "no such directory");
  if (type != std::filesystem::file_type::directory) {
    return InvalidArgument(prefix + "not a directory");
  }

  const std::string stem = CertFileStem(role, client_name);
  TlsFiles files;
  files.dir = dir;
  files.cert_file = stem + ".crt";
  const std::string key_file = stem + ".key";
  PG_ASSIGN_OR_RETURN(files.ca_cert_pem, ReadTlsFile(dir, kCaCertFile, prefix));
  PG_ASSIGN_OR_RETURN(files.cert_pem, ReadTlsFile(dir, files.cert_file, prefix));
  PG_ASSIGN_OR_RETURN(files.key_pem, ReadTlsFile(dir, key_file, prefix));

  auto ca = ParseCertPem(files.ca_cert_pem);
  if (!ca.ok()) return InvalidArgument(prefix + "ca.crt is not a PEM certificate");
  auto cert = ParseCertPem(files.cert_pem);
  if (!cert.ok()) return InvalidArgument(prefix + files.cert_file + " is not a PEM certificate");
  auto key = ParseKeyPem(files.key_pem);
  if (!key.ok()) {
    return InvalidArgument(prefix + key_file + " is not an unencrypted PEM private key");
  }
  if (X509_check_ca(ca->get()) == 0) {
    return InvalidArgument(prefix + "ca.crt is not a CA certificate");
  }
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return InvalidArgument(prefix + key_file + " does not match " + files.cert_file);
  }
  if (Status s = VerifyIssuedBy(**cert, **ca, std::nullopt); !s.ok()) {
    return InvalidArgument(prefix + files.cert_file + " is not signed by ca.crt (" + s.message() +
                           ")");
  }
  return files;
}

Status CheckValidAt(const TlsFiles& files, WallTime now) {
  const std::string prefix = "--tls-dir " + files.dir + ": ";
  PG_ASSIGN_OR_RETURN(X509Ptr ca, ParseCertPem(files.ca_cert_pem));
  PG_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertPem(files.cert_pem));
  if (Status s = VerifyIssuedBy(*cert, *ca, now); !s.ok()) {
    return FailedPrecondition(prefix + files.cert_file + ": " + s.message());
  }
  return Status::Ok();
}

}  // namespace pipegrid::tls
