#include "x509_inspect.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace pipegrid::tls::testing {
namespace {

std::string Hex(const ASN1_OCTET_STRING* s) {
  if (s == nullptr) return "";
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < ASN1_STRING_length(s); ++i) {
    unsigned char b = ASN1_STRING_get0_data(s)[i];
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

BignumPtr SerialBn(X509& cert) {
  return BignumPtr(ASN1_INTEGER_to_BN(X509_get0_serialNumber(&cert), nullptr));
}

}  // namespace

std::vector<std::string> AltNames(X509& cert) {
  std::vector<std::string> out;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(&cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                         ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      char text[INET6_ADDRSTRLEN] = "?";
      inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof text);
      out.push_back(std::string("IP:") + text);
    } else {
      out.push_back("other");
    }
  }
  return out;
}

std::string CommonName(X509& cert) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(&cert), NID_commonName, buf, sizeof buf);
  return buf;
}

bool IsCritical(X509& cert, int nid) {
  int index = X509_get_ext_by_NID(&cert, nid, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(&cert, index)) == 1;
}

bool IsCa(X509& cert) {
  std::unique_ptr<BASIC_CONSTRAINTS, OpenSslFree<BASIC_CONSTRAINTS_free>> bc(
      static_cast<BASIC_CONSTRAINTS*>(
          X509_get_ext_d2i(&cert, NID_basic_constraints, nullptr, nullptr)));
  return bc && bc->ca != 0;
}

long PathLength(X509& cert) { return X509_get_pathlen(&cert); }

uint32_t KeyUsage(X509& cert) { return X509_get_key_usage(&cert); }

uint32_t ExtendedKeyUsage(X509& cert) { return X509_get_extended_key_usage(&cert); }

std::string SubjectKeyId(X509& cert) { return Hex(X509_get0_subject_key_id(&cert)); }

std::string AuthorityKeyId(X509& cert) { return Hex(X509_get0_authority_key_id(&cert)); }

std::string SerialHex(X509& cert) {
  BignumPtr bn = SerialBn(cert);
  char* hex = BN_bn2hex(bn.get());
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  return out;
}

bool SerialIsNegative(X509& cert) { return BN_is_negative(SerialBn(cert).get()) != 0; }

std::string CurveName(X509& cert) {
  EVP_PKEY* key = X509_get0_pubkey(&cert);
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return "";
  char name[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, name, sizeof name, &len) != 1) return "";
  return name;
}

WallTime NotBefore(X509& cert) {
  auto t = ToWallTime(*X509_get0_notBefore(&cert));
  EXPECT_TRUE(t.ok());
  return t.ok() ? *t : WallTime{};
}

WallTime NotAfter(X509& cert) {
  auto t = ToWallTime(*X509_get0_notAfter(&cert));
  EXPECT_TRUE(t.ok());
  return t.ok() ? *t : WallTime{};
}

X509Ptr ReadCert(const std::string& path) {
  auto cert = ParseCertPem(ReadText(path));
  EXPECT_TRUE(cert.ok()) << path << ": " << cert.status().ToString();
  return cert.ok() ? std::move(*cert) : X509Ptr();
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

}  // namespace pipegrid::tls::testing
