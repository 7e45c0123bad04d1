// The specs shipped in examples/ must stay valid: the README runs them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "spec/job_spec.h"
#include "support/test_util.h"

namespace pipegrid::spec {
namespace {

using ::pipegrid::testing::IsOk;

TEST(ExamplesTest, EveryExampleParses) {
  std::filesystem::path dir = std::filesystem::path(PIPEGRID_SOURCE_DIR) / "examples";
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string ext = entry.path().extension().string();
    if (ext != ".yaml" && ext != ".yml" && ext != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream body;
    body << in.rdbuf();
    BodyFormat format = ext == ".json" ? BodyFormat::kJson : BodyFormat::kYaml;
    EXPECT_THAT(ParseJobSpec(body.str(), format), IsOk()) << entry.path();
    ++parsed;
  }
  EXPECT_GE(parsed, 1);
}

}  // namespace
}  // namespace pipegrid::spec
