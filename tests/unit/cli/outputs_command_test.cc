// `pipegrid outputs` against a fake server: listing, downloading with size
// and checksum checks, and the exit codes of DESIGN §7.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "unit/cli/cli_test_util.h"

namespace pipegrid::cli {
namespace {

using testing::CannedResponse;
using ::testing::HasSubstr;
using testing::JsonResponse;

namespace fs = std::filesystem;

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr), 1);
  std::string hex;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every file under `dir`, relative, sorted.
std::vector<std::string> FilesUnder(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

const std::string kList = "GET /api/v1/jobs/01J/tasks/ocr%5B0%5D/outputs";

class OutputsCommandTest : public testing::ClientCommandTest {
 protected:
  // Serves `files` (path -> content) as the task's outputs, listed with
  // their true size and checksum unless the test overrides the entry.
  void ServeFiles(const std::map<std::string, std::string>& files,
                  std::map<std::string, nlohmann::json> overrides = {}) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& [path, content] : files) {
      nlohmann::json item = {
          {"path", path}, {"size", content.size()}, {"sha256", Sha256Hex(content)}};
      if (auto o = overrides.find(path); o != overrides.end()) item.update(o->second);
      items.push_back(item);
      routes_.Add(kList + "/" + EncodedPath(path),
                  CannedResponse(200, "application/octet-stream", content));
    }
    routes_.Add(
        kList,
        JsonResponse(200, nlohmann::json{{"items", items}, {"nextPageToken", nullptr}}.dump()));
  }

  static std::string EncodedPath(const std::string& path) {
    std::string out;
    for (char c : path) out += c == ' ' ? std::string("%20") : std::string(1, c);
    return out;
  }

  int RunOutputs(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"outputs", "01J", "ocr[0]", "--server", server_.url()};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args);
  }

  fs::path OutDir() const { return dir_.path() / "out"; }
};

TEST_F(OutputsCommandTest, ListsPathSizeAndChecksum) {
  ServeFiles({{"out.txt", "page 1\n"}, {"sub/x.bin", std::string(1000, 'x')}});
  EXPECT_EQ(RunOutputs(), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "PATH       SIZE  SHA256\n"
            "out.txt    7     " +
                Sha256Hex("page 1\n") + "\n" + "sub/x.bin  1000  " +
                Sha256Hex(std::string(1000, 'x')) + "\n");
  EXPECT_EQ(err_.str(), "");
  // Only the listing was fetched.
  EXPECT_EQ(server_.requests().size(), 1u);
}

TEST_F(OutputsCommandTest, ListsAsJson) {
  ServeFiles({{"out.txt", "page 1\n"}});
  EXPECT_EQ(RunOutputs({"-o", "json"}), 0) << err_.str();
  nlohmann::json page = nlohmann::json::parse(out_.str());
  EXPECT_EQ(page["items"][0]["path"], "out.txt");
  EXPECT_EQ(page["items"][0]["size"], 7);
  EXPECT_TRUE(page["nextPageToken"].is_null());
}

TEST_F(OutputsCommandTest, DownloadsEveryFileIntoItsPath) {
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + i / 977);
  ServeFiles({{"out.txt", "page 1\n"}, {"a b/deep/big.bin", big}, {"empty", ""}});
  EXPECT_EQ(RunOutputs({"--out", OutDir().string()}), 0) << err_.str();
  EXPECT_EQ(FilesUnder(OutDir()),
            (std::vector<std::string>{"a b/deep/big.bin", "empty", "out.txt"}));
  EXPECT_EQ(ReadFile(OutDir() / "out.txt"), "page 1\n");
  EXPECT_TRUE(ReadFile(OutDir() / "a b/deep/big.bin") == big);
  EXPECT_EQ(ReadFile(OutDir() / "empty"), "");
  EXPECT_EQ(out_.str(), (OutDir() / "a b/deep/big.bin").string() + "\n" +
                            (OutDir() / "empty").string() + "\n" + (OutDir() / "out.txt").string() +
                            "\n");
  EXPECT_THAT(err_.str(), HasSubstr("downloaded 3 files"));
  // Each path segment went out percent-encoded, the task name too.
  std::vector<std::string> targets;
  for (const auto& r : server_.requests()) targets.push_back(r.target);
  EXPECT_THAT(targets,
              ::testing::Contains("/api/v1/jobs/01J/tasks/ocr%5B0%5D/outputs/a%20b/deep/big.bin"));
}

TEST_F(OutputsCommandTest, ChecksumMismatchFailsWithoutLeavingTheFile) {
  ServeFiles({{"out.txt", "page 1\n"}}, {{"out.txt", {{"sha256", std::string(64, 'a')}}}});
  EXPECT_EQ(RunOutputs({"--out", OutDir().string()}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("checksum mismatch for out.txt: expected sha256 " +
                                    std::string(64, 'a') + ", got " + Sha256Hex("page 1\n")));
  EXPECT_EQ(FilesUnder(OutDir()), std::vector<std::string>{});
}

TEST_F(OutputsCommandTest, ShortDownloadFails) {
  ServeFiles({{"out.txt", "page 1\n"}}, {{"out.txt", {{"size", 100}}}});
  EXPECT_EQ(RunOutputs({"--out", OutDir().string()}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("out.txt: received 7 bytes, expected 100"));
  EXPECT_EQ(FilesUnder(OutDir()), std::vector<std::string>{});
}

TEST_F(OutputsCommandTest, UnknownJobOrTaskIsRejected) {
  // No route: the fake server answers 404 with an error body.
  EXPECT_EQ(RunOutputs(), 3);
  EXPECT_THAT(err_.str(), HasSubstr("error: NOT_FOUND"));
  EXPECT_EQ(RunOutputs({"--out", OutDir().string()}), 3);
  EXPECT_FALSE(fs::exists(OutDir()));
}

TEST_F(OutputsCommandTest, AFileGoneFromTheServerIsRejected) {
  routes_.Add(kList, JsonResponse(200, R"({"items":[{"path":"gone.txt","size":1,)"
                                       R"("sha256":"00"}],"nextPageToken":null})"));
  EXPECT_EQ(RunOutputs({"--out", OutDir().string()}), 3);
  EXPECT_THAT(err_.str(), HasSubstr("(downloading gone.txt)"));
  EXPECT_EQ(FilesUnder(OutDir()), std::vector<std::string>{});
}

TEST_F(OutputsCommandTest, UnreachableServer) {
  std::string url = "http://127.0.0.1:" + std::to_string(testing::UnusedPort());
  EXPECT_EQ(Run({"outputs", "01J", "fetch", "--server", url}), 4);
  EXPECT_THAT(err_.str(), HasSubstr("cannot reach"));
}

TEST_F(OutputsCommandTest, RefusesPathsThatLeaveTheDirectory) {
  const std::vector<std::string> paths = {"../evil", "/etc/evil", "a/../../evil", "./x", "a//b"};
  // Queued: each run gets the next listing.
  for (const std::string& path : paths) {
    nlohmann::json item = {{"path", path}, {"size", 1}, {"sha256", Sha256Hex("x")}};
    nlohmann::json page = {{"items", nlohmann::json::array({item})}, {"nextPageToken", nullptr}};
    routes_.Add(kList, JsonResponse(200, page.dump()));
  }
  for (const std::string& path : paths) {
    EXPECT_EQ(RunOutputs({"--out", OutDir().string()}), 4) << path;
    EXPECT_THAT(err_.str(), HasSubstr("plain relative path")) << path;
  }
  // Only the listings were asked for: nothing was downloaded or written.
  EXPECT_EQ(server_.requests().size(), paths.size());
  EXPECT_FALSE(fs::exists(dir_.path() / "evil"));
  EXPECT_FALSE(fs::exists(OutDir()));
}

}  // namespace
}  // namespace pipegrid::cli
