// Loading --tls-dir: what is read, and the errors a user sees.
#include "tls/tls_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/time_format.h"
#include "support/test_util.h"
#include "tls/cert_dir.h"
#include "x509_inspect.h"

namespace pipegrid::tls {
namespace {

using pipegrid::testing::IsOk;
using pipegrid::testing::StatusIs;
using pipegrid::testing::TempDir;
using pipegrid::tls::testing::ReadText;
using ::testing::HasSubstr;

const WallTime kNow = FromUnixMillis(1'800'000'000'000);

class TlsDirTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_THAT(MakeDir(dir_, "alice"), IsOk()); }
  static Status MakeDir(const std::string& dir, const std::string& client = "") {
    CertDirOptions options;
    options.out_dir = dir;
    options.client_name = client;
    options.now = kNow;
    return WriteCertDir(options).status();
  }
  std::string Path(const std::string& file) const { return dir_ + "/" + file; }
  void Replace(const std::string& file, const std::string& contents) const {
    std::ofstream(Path(file), std::ios::trunc) << contents;
  }

  TempDir tmp_;
  const std::string dir_ = tmp_.Sub("tls");
};

TEST_F(TlsDirTest, LoadsEachRolesFiles) {
  struct Case {
    TlsRole role;
    std::string client;
    std::string stem;
  };
  for (const Case& c : {Case{TlsRole::kMaster, "", "master"}, Case{TlsRole::kWorker, "", "worker"},
                        Case{TlsRole::kClient, "alice", "client-alice"}}) {
    auto files = LoadTlsDir(dir_, c.role, c.client);
    ASSERT_THAT(files, IsOk()) << c.stem;
    EXPECT_EQ(files->dir, dir_);
    EXPECT_EQ(files->cert_file, c.stem + ".crt");
    EXPECT_EQ(files->ca_cert_pem, ReadText(Path("ca.crt")));
    EXPECT_EQ(files->cert_pem, ReadText(Path(c.stem + ".crt")));
    EXPECT_EQ(files->key_pem, ReadText(Path(c.stem + ".key")));
  }
}

TEST_F(TlsDirTest, DoesNotNeedTheCaKey) {
  // Workers get ca.crt, worker.crt and worker.key only.
  std::filesystem::remove(Path("ca.key"));
  EXPECT_THAT(LoadTlsDir(dir_, TlsRole::kWorker), IsOk());
}

TEST_F(TlsDirTest, MissingDirectoryOrFileIsNotFoundNamingIt) {
  auto no_dir = LoadTlsDir(tmp_.Sub("nope"), TlsRole::kWorker);
  EXPECT_THAT(no_dir, StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(no_dir.status().message(), "--tls-dir " + tmp_.Sub("nope") + ": no such directory");

  std::filesystem::remove(Path("worker.key"));
  auto no_key = LoadTlsDir(dir_, TlsRole::kWorker);
  EXPECT_THAT(no_key, StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(no_key.status().message(), "--tls-dir " + dir_ + ": worker.key missing");

  std::filesystem::remove(Path("ca.crt"));
  auto no_ca = LoadTlsDir(dir_, TlsRole::kMaster);
  EXPECT_THAT(no_ca, StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(no_ca.status().message(), "--tls-dir " + dir_ + ": ca.crt missing");

  auto no_client = LoadTlsDir(tmp_.Sub("tls"), TlsRole::kClient, "bob");
  EXPECT_THAT(no_client, StatusIs(StatusCode::kNotFound));
}

TEST_F(TlsDirTest, AFileForADirectoryIsInvalid) {
  EXPECT_THAT(LoadTlsDir(Path("ca.crt"), TlsRole::kWorker), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(TlsDirTest, GarbageIsInvalidNamingTheFile) {
  Replace("worker.crt", "hello");
  auto cert = LoadTlsDir(dir_, TlsRole::kWorker);
  EXPECT_THAT(cert, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(cert.status().message(), "--tls-dir " + dir_ + ": worker.crt is not a PEM certificate");

  Replace("master.key", ReadText(Path("master.crt")));
  auto key = LoadTlsDir(dir_, TlsRole::kMaster);
  EXPECT_THAT(key, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(key.status().message(),
              HasSubstr("master.key is not an unencrypted PEM private key"));
}

TEST_F(TlsDirTest, AKeyOfAnotherCertificateIsInvalid) {
  std::filesystem::copy_file(Path("master.key"), Path("worker.key"),
                             std::filesystem::copy_options::overwrite_existing);
  auto files = LoadTlsDir(dir_, TlsRole::kWorker);
  EXPECT_THAT(files, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(files.status().message(),
            "--tls-dir " + dir_ + ": worker.key does not match worker.crt");
}

TEST_F(TlsDirTest, ACertificateFromAnotherCaIsInvalid) {
  std::string other = tmp_.Sub("other");
  ASSERT_THAT(MakeDir(other), IsOk());
  std::filesystem::copy_file(other + "/ca.crt", Path("ca.crt"),
                             std::filesystem::copy_options::overwrite_existing);
  auto files = LoadTlsDir(dir_, TlsRole::kWorker);
  EXPECT_THAT(files, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(files.status().message(),
              HasSubstr("--tls-dir " + dir_ + ": worker.crt is not signed by ca.crt ("));
}

TEST_F(TlsDirTest, ALeafInPlaceOfTheCaIsInvalid) {
  std::filesystem::copy_file(Path("master.crt"), Path("ca.crt"),
                             std::filesystem::copy_options::overwrite_existing);
  auto files = LoadTlsDir(dir_, TlsRole::kMaster);
  EXPECT_THAT(files, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(files.status().message(), HasSubstr("ca.crt is not a CA certificate"));
}

TEST_F(TlsDirTest, UnreadableKeyIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  ::chmod(Path("worker.key").c_str(), 0);
  auto files = LoadTlsDir(dir_, TlsRole::kWorker);
  EXPECT_THAT(files, StatusIs(StatusCode::kPermissionDenied));
  EXPECT_EQ(files.status().message(), "--tls-dir " + dir_ + ": worker.key: Permission denied");
}

TEST_F(TlsDirTest, ABadClientNameIsInvalid) {
  for (const char* name : {"", "../ca", "a/b", ".hidden", "with space"}) {
    EXPECT_THAT(LoadTlsDir(dir_, TlsRole::kClient, name), StatusIs(StatusCode::kInvalidArgument))
        << name;
  }
}

TEST_F(TlsDirTest, CheckValidAtRefusesExpiredAndNotYetValid) {
  auto files = LoadTlsDir(dir_, TlsRole::kWorker);
  ASSERT_THAT(files, IsOk());
  EXPECT_THAT(CheckValidAt(*files, kNow), IsOk());
  Status expired = CheckValidAt(*files, kNow + std::chrono::hours(24 * 826));
  EXPECT_THAT(expired, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(expired.message(), "--tls-dir " + dir_ + ": worker.crt: certificate has expired");
  Status early = CheckValidAt(*files, kNow - std::chrono::hours(2));
  EXPECT_THAT(early, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(early.message(), HasSubstr("not yet valid"));
}

TEST(CertFileStemTest, NamesEachRole) {
  EXPECT_EQ(CertFileStem(TlsRole::kMaster), "master");
  EXPECT_EQ(CertFileStem(TlsRole::kWorker), "worker");
  EXPECT_EQ(CertFileStem(TlsRole::kClient, "ci-bot"), "client-ci-bot");
}

}  // namespace
}  // namespace pipegrid::tls
