#include "tls/openssl_util.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

namespace pipegrid::tls {
namespace {

Result<std::string> DrainBio(BIO& bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(&bio, &data);
  if (len <= 0 || data == nullptr) return Internal("PEM encoding produced nothing");
  return std::string(data, static_cast<size_t>(len));
}

Result<BioPtr> ReadOnlyBio(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Internal("BIO_new_mem_buf: " + OpenSslError());
  return bio;
}

// An encrypted key must fail instead of OpenSSL's default of prompting on the
// terminal: servers run unattended.
int RefusePassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

}  // namespace

std::string OpenSslError() {
  std::string out;
  char buf[256];
  while (unsigned long code = ERR_get_error()) {
    ERR_error_string_n(code, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

Result<std::string> CertToPem(X509& cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), &cert) != 1) {
    return Internal("PEM_write_bio_X509: " + OpenSslError());
  }
  return DrainBio(*bio);
}

Result<std::string> KeyToPem(EVP_PKEY& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Internal("PEM_write_bio_PrivateKey: " + OpenSslError());
  }
  return DrainBio(*bio);
}

Result<X509Ptr> ParseCertPem(std::string_view pem) {
  PG_ASSIGN_OR_RETURN(BioPtr bio, ReadOnlyBio(pem));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, RefusePassphrase, nullptr));
  if (!cert) return InvalidArgument("not a PEM certificate: " + OpenSslError());
  return cert;
}

Result<EvpPkeyPtr> ParseKeyPem(std::string_view pem) {
  PG_ASSIGN_OR_RETURN(BioPtr bio, ReadOnlyBio(pem));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, RefusePassphrase, nullptr));
  if (!key) return InvalidArgument("not an unencrypted PEM private key: " + OpenSslError());
  return key;
}

Result<WallTime> ToWallTime(const ASN1_TIME& time) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(&time, &tm) != 1) return InvalidArgument("malformed certificate time");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace pipegrid::tls
