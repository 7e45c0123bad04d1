// Reads back what a certificate says, with plain OpenSSL calls independent of
// the code that wrote it, so the tests check the certificates themselves.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "tls/openssl_util.h"

namespace pipegrid::tls::testing {

// subjectAltName entries as "DNS:name" / "IP:addr", in certificate order.
std::vector<std::string> AltNames(X509& cert);
std::string CommonName(X509& cert);
// The extension is present and marked critical.
bool IsCritical(X509& cert, int nid);
// basicConstraints: CA flag and path length (-1: none).
bool IsCa(X509& cert);
long PathLength(X509& cert);
// keyUsage / extendedKeyUsage bit sets (KU_* / XKU_* of <openssl/x509v3.h>).
uint32_t KeyUsage(X509& cert);
uint32_t ExtendedKeyUsage(X509& cert);
// Key identifiers as hex ("" when absent).
std::string SubjectKeyId(X509& cert);
std::string AuthorityKeyId(X509& cert);
// The serial as a big-endian hex string, and whether it is negative.
std::string SerialHex(X509& cert);
bool SerialIsNegative(X509& cert);
// "prime256v1" for a P-256 key; "" for a non-EC key.
std::string CurveName(X509& cert);
WallTime NotBefore(X509& cert);
WallTime NotAfter(X509& cert);

// Reads and parses a PEM file (fails the test when it cannot).
X509Ptr ReadCert(const std::string& path);
std::string ReadText(const std::string& path);
// Permission bits (st_mode & 07777).
mode_t ModeOf(const std::string& path);

}  // namespace pipegrid::tls::testing
