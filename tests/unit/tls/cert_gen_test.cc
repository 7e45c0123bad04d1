// The CA and leaf certificates, read back with OpenSSL.
#include "tls/cert_gen.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/obj_mac.h>

#include <chrono>

#include "common/time_format.h"
#include "support/test_util.h"
#include "tls/verify.h"
#include "x509_inspect.h"

namespace pipegrid::tls {
namespace {

using pipegrid::testing::IsOk;
using pipegrid::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace x509 = pipegrid::tls::testing;
using std::chrono::hours;

const WallTime kNow = FromUnixMillis(1'800'000'000'000);  // 2027-01-15
constexpr auto kDay = hours(24);

KeyAndCert Ca(int days = 3650, WallTime now = kNow) {
  auto ca = MakeCa({.now = now, .days = days});
  EXPECT_THAT(ca, IsOk());
  return std::move(ca).value();
}

KeyAndCert Leaf(const KeyAndCert& ca, LeafUsage usage, std::vector<std::string> hosts = {},
                int days = 825) {
  auto alt_names = ServerAltNames(hosts);
  EXPECT_THAT(alt_names, IsOk());
  auto leaf = IssueLeaf(
      ca, {.common_name = "leaf",
           .alt_names = usage == LeafUsage::kClient ? std::vector<SubjectAltName>{} : *alt_names,
           .usage = usage,
           .now = kNow,
           .days = days});
  EXPECT_THAT(leaf, IsOk());
  return std::move(leaf).value();
}

TEST(MakeCaTest, IsASelfSignedP256CaThatSignsCertificates) {
  KeyAndCert ca = Ca();
  X509& cert = *ca.cert;
  EXPECT_TRUE(x509::IsCa(cert));
  EXPECT_TRUE(x509::IsCritical(cert, NID_basic_constraints));
  EXPECT_EQ(x509::PathLength(cert), 0);
  EXPECT_EQ(x509::KeyUsage(cert), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_TRUE(x509::IsCritical(cert, NID_key_usage));
  EXPECT_EQ(x509::CurveName(cert), "prime256v1");
  EXPECT_EQ(X509_get_signature_nid(&cert), NID_ecdsa_with_SHA256);
  EXPECT_EQ(x509::CommonName(cert), "pipegrid CA");
  EXPECT_EQ(X509_check_private_key(&cert, ca.key.get()), 1);
  EXPECT_THAT(VerifyIssuedBy(cert, cert, kNow), IsOk());
  // The key identifiers exist and the self-signed CA names itself.
  EXPECT_EQ(x509::SubjectKeyId(cert).size(), 40u);  // SHA-1 of the public key
  EXPECT_EQ(x509::AuthorityKeyId(cert), x509::SubjectKeyId(cert));
}

TEST(MakeCaTest, ValidityStartsAnHourBackForClockSkew) {
  KeyAndCert ca = Ca(/*days=*/10);
  EXPECT_EQ(x509::NotBefore(*ca.cert), kNow - hours(1));
  EXPECT_EQ(x509::NotAfter(*ca.cert), kNow + 10 * kDay);
}

TEST(IssueLeafTest, ServerLeafHasHostsLoopbackAndBothUsages) {
  KeyAndCert ca = Ca();
  KeyAndCert leaf =
      Leaf(ca, LeafUsage::kServerAndClient, {"Master.Example.com", "10.0.0.5", "[fd00::1]"});
  X509& cert = *leaf.cert;
  EXPECT_THAT(x509::AltNames(cert),
              ElementsAre("DNS:master.example.com", "IP:10.0.0.5", "IP:fd00::1", "DNS:localhost",
                          "IP:127.0.0.1", "IP:::1"));
  EXPECT_EQ(x509::ExtendedKeyUsage(cert), static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_EQ(x509::KeyUsage(cert), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_TRUE(x509::IsCritical(cert, NID_key_usage));
  EXPECT_FALSE(x509::IsCa(cert));
  EXPECT_TRUE(x509::IsCritical(cert, NID_basic_constraints));
  EXPECT_EQ(x509::CurveName(cert), "prime256v1");
  EXPECT_EQ(X509_get_signature_nid(&cert), NID_ecdsa_with_SHA256);
  EXPECT_EQ(X509_check_private_key(&cert, leaf.key.get()), 1);
  // Issued by the CA: its authority key id is the CA's subject key id.
  EXPECT_EQ(x509::AuthorityKeyId(cert), x509::SubjectKeyId(*ca.cert));
  EXPECT_NE(x509::SubjectKeyId(cert), x509::SubjectKeyId(*ca.cert));
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(&cert), X509_get_subject_name(ca.cert.get())), 0);
}

TEST(IssueLeafTest, ClientLeafIsForClientAuthenticationOnly) {
  KeyAndCert ca = Ca();
  KeyAndCert leaf = Leaf(ca, LeafUsage::kClient);
  EXPECT_EQ(x509::ExtendedKeyUsage(*leaf.cert), static_cast<uint32_t>(XKU_SSL_CLIENT));
  EXPECT_TRUE(x509::AltNames(*leaf.cert).empty());
  EXPECT_EQ(X509_check_purpose(leaf.cert.get(), X509_PURPOSE_SSL_SERVER, 0), 0);
  EXPECT_EQ(X509_check_purpose(leaf.cert.get(), X509_PURPOSE_SSL_CLIENT, 0), 1);
}

TEST(IssueLeafTest, VerifiesAgainstItsCaOnly) {
  KeyAndCert ca = Ca();
  KeyAndCert other_ca = Ca();
  KeyAndCert leaf = Leaf(ca, LeafUsage::kServerAndClient);
  EXPECT_THAT(VerifyIssuedBy(*leaf.cert, *ca.cert, kNow), IsOk());
  Status foreign = VerifyIssuedBy(*leaf.cert, *other_ca.cert, kNow);
  EXPECT_THAT(foreign, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(foreign.message(), HasSubstr("unable to get local issuer certificate"));
}

TEST(IssueLeafTest, IsValidForItsDaysOnly) {
  KeyAndCert ca = Ca();
  KeyAndCert leaf = Leaf(ca, LeafUsage::kServerAndClient, {}, /*days=*/30);
  EXPECT_EQ(x509::NotAfter(*leaf.cert), kNow + 30 * kDay);
  EXPECT_THAT(VerifyIssuedBy(*leaf.cert, *ca.cert, kNow + 29 * kDay), IsOk());
  Status expired = VerifyIssuedBy(*leaf.cert, *ca.cert, kNow + 31 * kDay);
  EXPECT_THAT(expired.message(), HasSubstr("expired"));
  Status early = VerifyIssuedBy(*leaf.cert, *ca.cert, kNow - hours(2));
  EXPECT_THAT(early.message(), HasSubstr("not yet valid"));
}

TEST(IssueLeafTest, SerialsArePositiveRandomAndDistinct) {
  KeyAndCert ca = Ca();
  KeyAndCert a = Leaf(ca, LeafUsage::kServerAndClient);
  KeyAndCert b = Leaf(ca, LeafUsage::kServerAndClient);
  EXPECT_FALSE(x509::SerialIsNegative(*a.cert));
  EXPECT_EQ(x509::SerialHex(*a.cert).size(), 32u);  // 16 octets, no leading zero octet
  EXPECT_NE(x509::SerialHex(*a.cert), x509::SerialHex(*b.cert));
  EXPECT_NE(x509::SerialHex(*a.cert), x509::SerialHex(*ca.cert));
}

TEST(IssueLeafTest, NeverOutlivesItsCa) {
  KeyAndCert ca = Ca(/*days=*/10);
  KeyAndCert leaf = Leaf(ca, LeafUsage::kServerAndClient, {}, /*days=*/825);
  EXPECT_EQ(x509::NotAfter(*leaf.cert), x509::NotAfter(*ca.cert));
}

TEST(IssueLeafTest, ExpiredCaCannotIssue) {
  KeyAndCert ca = Ca(/*days=*/1, kNow - 2 * kDay);
  auto leaf = IssueLeaf(ca, {.common_name = "late", .alt_names = {}, .now = kNow, .days = 1});
  EXPECT_THAT(leaf, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(leaf.status().message(), HasSubstr("expired at"));
}

TEST(PemTest, RoundTripsKeysAndCertificates) {
  KeyAndCert ca = Ca();
  auto cert_pem = CertToPem(*ca.cert);
  auto key_pem = KeyToPem(*ca.key);
  ASSERT_THAT(cert_pem, IsOk());
  ASSERT_THAT(key_pem, IsOk());
  EXPECT_THAT(*key_pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));
  auto cert = ParseCertPem(*cert_pem);
  auto key = ParseKeyPem(*key_pem);
  ASSERT_THAT(cert, IsOk());
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(X509_cmp(cert->get(), ca.cert.get()), 0);
  EXPECT_EQ(EVP_PKEY_eq(key->get(), ca.key.get()), 1);
  EXPECT_EQ(X509_check_private_key(cert->get(), key->get()), 1);
  EXPECT_THAT(ParseCertPem("not a certificate"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseKeyPem(*cert_pem), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace pipegrid::tls
