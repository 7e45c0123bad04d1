// `pipegrid certs` as a library call: which files, which modes, which CA.
#include "tls/cert_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <filesystem>

#include "common/time_format.h"
#include "support/test_util.h"
#include "tls/tls_dir.h"
#include "tls/verify.h"
#include "x509_inspect.h"

namespace pipegrid::tls {
namespace {

using pipegrid::testing::IsOk;
using pipegrid::testing::StatusIs;
using pipegrid::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
namespace x509 = pipegrid::tls::testing;

const WallTime kNow = FromUnixMillis(1'800'000'000'000);

class CertDirTest : public ::testing::Test {
 protected:
  CertDirOptions Options(std::vector<std::string> hosts = {}) const {
    CertDirOptions options;
    options.out_dir = out_;
    options.hosts = std::move(hosts);
    options.now = kNow;
    return options;
  }
  CertDirResult Write(const CertDirOptions& options) const {
    auto result = WriteCertDir(options);
    EXPECT_THAT(result, IsOk());
    return result.ok() ? *result : CertDirResult{};
  }
  std::string Path(const std::string& file) const { return out_ + "/" + file; }

  TempDir tmp_;
  const std::string out_ = tmp_.Sub("tls");
};

TEST_F(CertDirTest, WritesEveryFileWithItsMode) {
  CertDirResult result = Write(Options({"master.example", "10.0.0.7"}));
  EXPECT_TRUE(result.ca_created);
  EXPECT_THAT(result.written,
              ElementsAre(Path("ca.key"), Path("ca.crt"), Path("master.key"), Path("master.crt"),
                          Path("worker.key"), Path("worker.crt")));
  EXPECT_THAT(result.kept, IsEmpty());
  EXPECT_EQ(x509::ModeOf(out_), 0700u);
  for (const char* key : {"ca.key", "master.key", "worker.key"}) {
    EXPECT_EQ(x509::ModeOf(Path(key)), 0600u) << key;
  }
  for (const char* cert : {"ca.crt", "master.crt", "worker.crt"}) {
    EXPECT_EQ(x509::ModeOf(Path(cert)), 0644u) << cert;
  }
  // Nothing else: no temporary files, no client certificate.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(out_), {}), 6);
}

TEST_F(CertDirTest, MasterAndWorkerCarryTheHostsAndBothUsages) {
  Write(Options({"master.example", "10.0.0.7"}));
  X509Ptr ca = x509::ReadCert(Path("ca.crt"));
  EXPECT_TRUE(x509::IsCa(*ca));
  EXPECT_EQ(x509::NotAfter(*ca), kNow + std::chrono::hours(24 * 3650));
  for (const char* file : {"master.crt", "worker.crt"}) {
    X509Ptr cert = x509::ReadCert(Path(file));
    EXPECT_THAT(x509::AltNames(*cert), ElementsAre("DNS:master.example", "IP:10.0.0.7",
                                                   "DNS:localhost", "IP:127.0.0.1", "IP:::1"))
        << file;
    EXPECT_EQ(x509::ExtendedKeyUsage(*cert),
              static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
    EXPECT_EQ(x509::NotAfter(*cert), kNow + std::chrono::hours(24 * 825));
    EXPECT_THAT(VerifyIssuedBy(*cert, *ca, kNow), IsOk()) << file;
  }
  EXPECT_EQ(x509::CommonName(*x509::ReadCert(Path("master.crt"))), "pipegrid master");
  EXPECT_EQ(x509::CommonName(*x509::ReadCert(Path("worker.crt"))), "pipegrid worker");
  EXPECT_THAT(LoadTlsDir(out_, TlsRole::kMaster), IsOk());
  EXPECT_THAT(LoadTlsDir(out_, TlsRole::kWorker), IsOk());
}

TEST_F(CertDirTest, ClientAloneReusesTheCaAndKeepsEverythingElse) {
  Write(Options({"master.example"}));
  const std::string ca = x509::ReadText(Path("ca.crt"));
  const std::string master = x509::ReadText(Path("master.crt"));
  const std::string worker_key = x509::ReadText(Path("worker.key"));

  CertDirOptions options = Options();
  options.client_name = "alice";
  CertDirResult result = Write(options);
  EXPECT_FALSE(result.ca_created);
  EXPECT_THAT(result.written, ElementsAre(Path("client-alice.key"), Path("client-alice.crt")));
  EXPECT_THAT(result.kept,
              UnorderedElementsAre(Path("ca.crt"), Path("ca.key"), Path("master.crt"),
                                   Path("master.key"), Path("worker.crt"), Path("worker.key")));
  EXPECT_EQ(x509::ReadText(Path("ca.crt")), ca);
  EXPECT_EQ(x509::ReadText(Path("master.crt")), master);
  EXPECT_EQ(x509::ReadText(Path("worker.key")), worker_key);

  EXPECT_EQ(x509::ModeOf(Path("client-alice.key")), 0600u);
  EXPECT_EQ(x509::ModeOf(Path("client-alice.crt")), 0644u);
  X509Ptr client = x509::ReadCert(Path("client-alice.crt"));
  EXPECT_EQ(x509::CommonName(*client), "alice");
  EXPECT_EQ(x509::ExtendedKeyUsage(*client), static_cast<uint32_t>(XKU_SSL_CLIENT));
  EXPECT_THAT(x509::AltNames(*client), IsEmpty());
  EXPECT_THAT(LoadTlsDir(out_, TlsRole::kClient, "alice"), IsOk());
}

TEST_F(CertDirTest, NewHostsReissueMasterAndWorkerUnderTheSameCa) {
  Write(Options({"old.example"}));
  const std::string ca = x509::ReadText(Path("ca.crt"));
  X509Ptr old_worker = x509::ReadCert(Path("worker.crt"));

  CertDirResult result = Write(Options({"new.example"}));
  EXPECT_FALSE(result.ca_created);
  EXPECT_THAT(result.kept, ElementsAre(Path("ca.crt"), Path("ca.key")));
  EXPECT_EQ(x509::ReadText(Path("ca.crt")), ca);
  X509Ptr master = x509::ReadCert(Path("master.crt"));
  EXPECT_EQ(x509::AltNames(*master).front(), "DNS:new.example");
  // Certificates deployed before still verify: the CA did not change.
  EXPECT_THAT(VerifyIssuedBy(*old_worker, *x509::ReadCert(Path("ca.crt")), kNow), IsOk());
}

TEST_F(CertDirTest, ForceReplacesTheCaAndEverythingItSigned) {
  Write(Options());
  X509Ptr old_ca = x509::ReadCert(Path("ca.crt"));

  CertDirOptions options = Options();
  options.force = true;
  CertDirResult result = Write(options);
  EXPECT_TRUE(result.ca_created);
  EXPECT_THAT(result.kept, IsEmpty());
  X509Ptr new_ca = x509::ReadCert(Path("ca.crt"));
  EXPECT_NE(X509_cmp(old_ca.get(), new_ca.get()), 0);
  X509Ptr worker = x509::ReadCert(Path("worker.crt"));
  EXPECT_THAT(VerifyIssuedBy(*worker, *new_ca, kNow), IsOk());
  EXPECT_THAT(VerifyIssuedBy(*worker, *old_ca, kNow), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(CertDirTest, HalfACaIsRefusedAndNothingIsWritten) {
  Write(Options());
  std::filesystem::remove(Path("ca.crt"));
  const std::string master = x509::ReadText(Path("master.crt"));
  auto result = WriteCertDir(Options({"new.example"}));
  EXPECT_THAT(result, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(), HasSubstr("ca.key without ca.crt"));
  EXPECT_THAT(result.status().message(), HasSubstr("--force"));
  EXPECT_EQ(x509::ReadText(Path("master.crt")), master);
}

TEST_F(CertDirTest, ACaKeyThatDoesNotMatchIsRefused) {
  Write(Options());
  std::filesystem::copy_file(Path("master.key"), Path("ca.key"),
                             std::filesystem::copy_options::overwrite_existing);
  auto result = WriteCertDir(Options());
  EXPECT_THAT(result, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(), HasSubstr("does not match"));
}

TEST_F(CertDirTest, ANonCaCertificateIsRefusedAsCa) {
  Write(Options());
  for (const char* ext : {".crt", ".key"}) {
    std::filesystem::copy_file(Path(std::string("worker") + ext), Path(std::string("ca") + ext),
                               std::filesystem::copy_options::overwrite_existing);
  }
  auto result = WriteCertDir(Options());
  EXPECT_THAT(result, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(), HasSubstr("not a CA certificate"));
}

TEST_F(CertDirTest, AnExpiredCaIsRefused) {
  Write(Options());
  CertDirOptions later = Options();
  later.now = kNow + std::chrono::hours(24 * 3651);
  later.client_name = "bob";
  auto result = WriteCertDir(later);
  EXPECT_THAT(result, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(result.status().message(), HasSubstr("expired at"));
  EXPECT_FALSE(std::filesystem::exists(Path("client-bob.crt")));
}

TEST_F(CertDirTest, BadOptionsAreInvalidAndCreateNothing) {
  CertDirOptions zero_days = Options();
  zero_days.days = 0;
  CertDirOptions bad_client = Options();
  bad_client.client_name = "../evil";
  for (const CertDirOptions& options : {zero_days, bad_client, Options({"not a host"})}) {
    EXPECT_THAT(WriteCertDir(options), StatusIs(StatusCode::kInvalidArgument));
  }
  EXPECT_FALSE(std::filesystem::exists(out_));
  CertDirOptions no_dir = Options();
  no_dir.out_dir.clear();
  EXPECT_THAT(WriteCertDir(no_dir), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(CertDirTest, LongValidityExtendsTheNewCa) {
  CertDirOptions options = Options();
  options.days = 5000;
  Write(options);
  EXPECT_EQ(x509::NotAfter(*x509::ReadCert(Path("ca.crt"))), kNow + std::chrono::hours(24 * 5000));
  EXPECT_EQ(x509::NotAfter(*x509::ReadCert(Path("worker.crt"))),
            kNow + std::chrono::hours(24 * 5000));
}

}  // namespace
}  // namespace pipegrid::tls
