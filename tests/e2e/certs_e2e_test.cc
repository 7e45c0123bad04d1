// `pipegrid certs` through the real binary: the files a deployment copies to
// its master and workers, their permissions, and the exit codes.
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>

#include "e2e_support.h"
#include "tls/openssl_util.h"
#include "tls/tls_dir.h"

namespace pipegrid::e2e {
namespace {

using pipegrid::testing::IsOk;
using pipegrid::testing::StatusIs;
using pipegrid::testing::TempDir;
using ::testing::HasSubstr;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(CertsE2E, WritesTheTlsDirectoryForMasterAndWorkers) {
  TempDir tmp;
  const std::string dir = tmp.Sub("tls");
  auto run = RunCli({"certs", "--out", dir, "--hosts", "master.example,10.0.0.9"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* file :
       {"ca.crt", "ca.key", "master.crt", "master.key", "worker.crt", "worker.key"}) {
    EXPECT_THAT(run.out, HasSubstr("wrote " + dir + "/" + file + "\n"));
  }
  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(dir + "/ca.key"), 0600u);
  EXPECT_EQ(ModeOf(dir + "/worker.key"), 0600u);
  EXPECT_EQ(ModeOf(dir + "/ca.crt"), 0644u);
  EXPECT_EQ(ModeOf(dir + "/master.crt"), 0644u);

  auto master = tls::LoadTlsDir(dir, tls::TlsRole::kMaster);
  ASSERT_THAT(master, IsOk());
  EXPECT_THAT(tls::LoadTlsDir(dir, tls::TlsRole::kWorker), IsOk());
  // The names a TLS client checks: the hosts given and loopback.
  auto cert = tls::ParseCertPem(master->cert_pem);
  ASSERT_THAT(cert, IsOk());
  X509* x = cert->get();
  EXPECT_EQ(X509_check_host(x, "master.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(x, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(x, "other.example", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(x, "10.0.0.9", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(x, "::1", 0), 1);
}

TEST(CertsE2E, LaterRunsReuseTheCaToIssueAClient) {
  TempDir tmp;
  const std::string dir = tmp.Sub("tls");
  ASSERT_EQ(RunCli({"certs", "--out", dir}).exit_code, 0);
  const std::string ca = ReadFile(dir + "/ca.crt");
  const std::string worker = ReadFile(dir + "/worker.crt");

  auto run = RunCli({"certs", "--out", dir, "--client", "ci-bot", "--days", "30"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("kept  " + dir + "/ca.crt\n"));
  EXPECT_THAT(run.out, HasSubstr("wrote " + dir + "/client-ci-bot.crt\n"));
  EXPECT_EQ(ReadFile(dir + "/ca.crt"), ca);
  EXPECT_EQ(ReadFile(dir + "/worker.crt"), worker);
  EXPECT_EQ(ModeOf(dir + "/client-ci-bot.key"), 0600u);
  EXPECT_THAT(tls::LoadTlsDir(dir, tls::TlsRole::kClient, "ci-bot"), IsOk());

  auto forced = RunCli({"certs", "--out", dir, "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(ReadFile(dir + "/ca.crt"), ca);
  EXPECT_THAT(tls::LoadTlsDir(dir, tls::TlsRole::kWorker), IsOk());
  // The client issued by the old CA no longer verifies.
  EXPECT_THAT(tls::LoadTlsDir(dir, tls::TlsRole::kClient, "ci-bot"),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(CertsE2E, BadFlagsExit64AndAnUnusableCaExits1) {
  TempDir tmp;
  const std::string dir = tmp.Sub("tls");
  EXPECT_EQ(RunCli({"certs"}).exit_code, 64);  // --out is required
  auto days = RunCli({"certs", "--out", dir, "--days", "0"});
  EXPECT_EQ(days.exit_code, 64);
  EXPECT_THAT(days.err, HasSubstr("--days"));
  auto host = RunCli({"certs", "--out", dir, "--hosts", "bad host"});
  EXPECT_EQ(host.exit_code, 64);
  EXPECT_THAT(host.err, HasSubstr("\"bad host\""));
  EXPECT_FALSE(std::filesystem::exists(dir));

  ASSERT_EQ(RunCli({"certs", "--out", dir}).exit_code, 0);
  std::filesystem::remove(dir + "/ca.key");
  auto half = RunCli({"certs", "--out", dir, "--client", "x"});
  EXPECT_EQ(half.exit_code, 1);
  EXPECT_THAT(half.err, HasSubstr("--force"));
}

}  // namespace
}  // namespace pipegrid::e2e
