// The pipeline-manager format of DESIGN §2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec/job_spec.h"
#include "support/test_util.h"

namespace pipegrid::spec {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::testing::HasSubstr;

constexpr std::string_view kLegacyJson = R"({"pipeline": [
  {"executorName": "wget", "commands": ["wget -O in.pdf http://x/in.pdf"]},
  {"executorName": "ocr", "commands": ["ocr in.pdf > out.txt", "wc -l out.txt"]}
]})";

TEST(LegacyFormatTest, PipelineBecomesOneTaskNamedMain) {
  Result<JobSpec> r = ParseJobSpec(kLegacyJson, BodyFormat::kJson);
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(r->legacy);
  EXPECT_EQ(r->name, "");  // the API names it legacy-<id>
  EXPECT_EQ(r->namespace_, "default");
  EXPECT_EQ(r->retry, RetryPolicy{});
  ASSERT_EQ(r->tasks.size(), 1u);
  const Task& main = r->tasks[0];
  EXPECT_EQ(main.name, "main");
  EXPECT_TRUE(main.depends_on.empty());
  ASSERT_EQ(main.steps.size(), 2u);
  EXPECT_EQ(main.steps[0], (Step{"wget", {"wget -O in.pdf http://x/in.pdf"}}));
  EXPECT_EQ(main.steps[1], (Step{"ocr", {"ocr in.pdf > out.txt", "wc -l out.txt"}}));
}

TEST(LegacyFormatTest, YamlGivesTheSameSpec) {
  Result<JobSpec> yaml = ParseJobSpec(R"(
pipeline:
  - executorName: wget
    commands: ["wget -O in.pdf http://x/in.pdf"]
  - executorName: ocr
    commands: ["ocr in.pdf > out.txt", "wc -l out.txt"]
)",
                                      BodyFormat::kYaml);
  Result<JobSpec> json = ParseJobSpec(kLegacyJson, BodyFormat::kJson);
  ASSERT_THAT(yaml, IsOk());
  ASSERT_THAT(json, IsOk());
  EXPECT_EQ(*yaml, *json);
}

TEST(LegacyFormatTest, ExecutorNameDefaultsToShell) {
  Result<JobSpec> r = ParseJobSpec(R"({"pipeline": [{"commands": ["true"]}]})", BodyFormat::kJson);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->tasks[0].steps[0].executor, "shell");
}

struct LegacyRejectCase {
  std::string name;
  std::string body;
  std::string field;
  std::string message;
};

void PrintTo(const LegacyRejectCase& c, std::ostream* os) { *os << c.name; }

class LegacyRejectTest : public ::testing::TestWithParam<LegacyRejectCase> {};

TEST_P(LegacyRejectTest, InvalidArgumentAtField) {
  const LegacyRejectCase& c = GetParam();
  Result<JobSpec> r = ParseJobSpec(c.body, BodyFormat::kJson);
  ASSERT_THAT(r, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(r.status().field(), c.field);
  EXPECT_THAT(r.status().message(), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Legacy, LegacyRejectTest,
    ::testing::Values(
        LegacyRejectCase{"EmptyPipeline", R"({"pipeline": []})", "pipeline", "must not be empty"},
        LegacyRejectCase{"PipelineNotList", R"({"pipeline": {"commands": ["x"]}})", "pipeline",
                         "must be a list"},
        LegacyRejectCase{"UnknownStepKey",
                         R"({"pipeline": [{"commands": ["a"]}, {"commands": ["b"], "foo": 1}]})",
                         "pipeline[1].foo", "unknown field \"foo\""},
        LegacyRejectCase{"UnknownTopLevelKey", R"({"pipeline": [{"commands": ["a"]}], "foo": 1})",
                         "foo", "unknown field \"foo\""},
        LegacyRejectCase{"CommandsMissing", R"({"pipeline": [{"executorName": "wget"}]})",
                         "pipeline[0].commands", "is required"},
        LegacyRejectCase{"CommandsEmpty", R"({"pipeline": [{"commands": []}]})",
                         "pipeline[0].commands", "must not be empty"},
        LegacyRejectCase{"CommandNotString", R"({"pipeline": [{"commands": ["a", 1]}]})",
                         "pipeline[0].commands[1]", "must be a string"},
        LegacyRejectCase{"BadExecutorName",
                         R"({"pipeline": [{"executorName": "a/b", "commands": ["x"]}]})",
                         "pipeline[0].executorName", "invalid executor name"}),
    [](const ::testing::TestParamInfo<LegacyRejectCase>& info) { return info.param.name; });

TEST(LegacyFormatTest, RoundTripsAsTheV1SpecItMeans) {
  Result<JobSpec> legacy = ParseJobSpec(kLegacyJson, BodyFormat::kJson);
  ASSERT_THAT(legacy, IsOk());
  JobSpec named = *legacy;
  named.name = "legacy-01J0000000";
  Result<JobSpec> back = ParseJobSpec(ToJson(named).dump(), BodyFormat::kJson);
  ASSERT_THAT(back, IsOk());
  EXPECT_FALSE(back->legacy);
  named.legacy = false;
  EXPECT_EQ(*back, named);
}

}  // namespace
}  // namespace pipegrid::spec
