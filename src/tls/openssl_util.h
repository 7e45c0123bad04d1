// Owners for OpenSSL objects and the few conversions every part of tls/ needs.
//
// Each OpenSSL object has exactly one owner: a unique_ptr whose deleter is the
// type's own *_free function, so early returns on error paths never leak.
// Functions here are thread-safe (OpenSSL 3 is, for distinct objects); the
// error text is taken from the calling thread's OpenSSL error queue.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace pipegrid::tls {

// Deleter calling an OpenSSL *_free function.
template <auto FreeFn>
struct OpenSslFree {
  template <typename T>
  void operator()(T* p) const {
    FreeFn(p);
  }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree<X509_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslFree<X509_EXTENSION_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslFree<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslFree<X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslFree<BN_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OpenSslFree<ASN1_TIME_free>>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, OpenSslFree<ASN1_OCTET_STRING_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslFree<GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslFree<GENERAL_NAMES_free>>;

// Drains this thread's OpenSSL error queue into one line ("error:...; ...").
// Call it right after the failing OpenSSL call, before any other.
std::string OpenSslError();

// PEM text of a certificate, and of a private key as unencrypted PKCS#8
// ("BEGIN PRIVATE KEY"), which gRPC and the openssl tool both read.
[[nodiscard]] Result<std::string> CertToPem(X509& cert);
[[nodiscard]] Result<std::string> KeyToPem(EVP_PKEY& key);

// The first certificate / private key in `pem`. InvalidArgument when there is
// none or it does not parse. An encrypted key is refused, never prompted for.
[[nodiscard]] Result<X509Ptr> ParseCertPem(std::string_view pem);
[[nodiscard]] Result<EvpPkeyPtr> ParseKeyPem(std::string_view pem);

// An ASN.1 time (a certificate's notBefore / notAfter) as a wall time.
[[nodiscard]] Result<WallTime> ToWallTime(const ASN1_TIME& time);

}  // namespace pipegrid::tls
