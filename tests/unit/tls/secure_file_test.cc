#include "tls/secure_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/test_util.h"
#include "x509_inspect.h"

namespace pipegrid::tls {
namespace {

using pipegrid::testing::IsOk;
using pipegrid::testing::StatusIs;
using pipegrid::testing::TempDir;
using pipegrid::tls::testing::ModeOf;
using pipegrid::tls::testing::ReadText;
using ::testing::HasSubstr;

// Sets the process umask for one test and restores it.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

std::vector<std::string> Entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(WriteFileAtomicallyTest, ModeIsExactWhateverTheUmask) {
  TempDir dir;
  {
    ScopedUmask mask(0077);  // would strip 0044
    ASSERT_THAT(WriteFileAtomically(dir.Sub("cert"), "public", 0644), IsOk());
  }
  {
    ScopedUmask mask(0);  // would leave a 0666 default
    ASSERT_THAT(WriteFileAtomically(dir.Sub("key"), "secret", 0600), IsOk());
  }
  EXPECT_EQ(ModeOf(dir.Sub("cert")), 0644u);
  EXPECT_EQ(ModeOf(dir.Sub("key")), 0600u);
  EXPECT_EQ(ReadText(dir.Sub("cert")), "public");
  EXPECT_EQ(ReadText(dir.Sub("key")), "secret");
}

TEST(WriteFileAtomicallyTest, ReplacesAndLeavesNoTemporaryFiles) {
  TempDir dir;
  std::ofstream(dir.Sub("key")) << "old and longer contents";
  ::chmod(dir.Sub("key").c_str(), 0666);
  ASSERT_THAT(WriteFileAtomically(dir.Sub("key"), "new", 0600), IsOk());
  EXPECT_EQ(ReadText(dir.Sub("key")), "new");
  EXPECT_EQ(ModeOf(dir.Sub("key")), 0600u);
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{"key"});
}

TEST(WriteFileAtomicallyTest, MissingDirectoryIsNotFoundAndWritesNothing) {
  TempDir dir;
  EXPECT_THAT(WriteFileAtomically(dir.Sub("nope/key"), "x", 0600), StatusIs(StatusCode::kNotFound));
  EXPECT_TRUE(Entries(dir.path()).empty());
}

TEST(EnsureDirectoryTest, CreatesParentsAndGivesTheLeafItsMode) {
  TempDir dir;
  {
    ScopedUmask mask(0077);  // would strip the group bits
    ASSERT_THAT(EnsureDirectory(dir.Sub("a/b/tls"), 0750), IsOk());
  }
  EXPECT_EQ(ModeOf(dir.Sub("a/b/tls")), 0750u);
  // Existing: fine, and left as it is.
  ::chmod(dir.Sub("a/b/tls").c_str(), 0755);
  ASSERT_THAT(EnsureDirectory(dir.Sub("a/b/tls"), 0700), IsOk());
  EXPECT_EQ(ModeOf(dir.Sub("a/b/tls")), 0755u);
}

TEST(EnsureDirectoryTest, AFileInTheWayIsAFailedPrecondition) {
  TempDir dir;
  std::ofstream(dir.Sub("tls")) << "x";
  Status s = EnsureDirectory(dir.Sub("tls"), 0700);
  EXPECT_THAT(s, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(s.message(), HasSubstr("not a directory"));
}

TEST(ReadSmallFileTest, ReadsWholeFile) {
  TempDir dir;
  std::string data(5000, 'x');
  std::ofstream(dir.Sub("f")) << data;
  auto read = ReadSmallFile(dir.Sub("f"));
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(*read, data);
}

TEST(ReadSmallFileTest, RefusesMissingDirectoriesAndLargeFiles) {
  TempDir dir;
  EXPECT_THAT(ReadSmallFile(dir.Sub("missing")), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(ReadSmallFile(dir.path().string()), StatusIs(StatusCode::kInvalidArgument));
  std::ofstream(dir.Sub("big")) << std::string(101, 'x');
  EXPECT_THAT(ReadSmallFile(dir.Sub("big"), 100), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ReadSmallFile(dir.Sub("big"), 101), IsOk());
}

TEST(ReadSmallFileTest, UnreadableIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempDir dir;
  std::ofstream(dir.Sub("key")) << "secret";
  ::chmod(dir.Sub("key").c_str(), 0);
  EXPECT_THAT(ReadSmallFile(dir.Sub("key")), StatusIs(StatusCode::kPermissionDenied));
}

}  // namespace
}  // namespace pipegrid::tls
