// forEach and outputs: the forms a spec may use, and how they come back
// through the canonical JSON. Rejections: fan_out_reject_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec/job_spec.h"
#include "support/test_util.h"
#include "unit/spec/samples.h"

namespace pipegrid::spec {
namespace {

using nlohmann::json;
using ::pipegrid::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// fetch keeps `fetch_outputs`; ocr fans out over fetch's `file`.
json FanOutSpec(const json& fetch_outputs, const std::string& file) {
  json s = testing::MinimalSpec();
  s["spec"]["tasks"] = json::array({
      {{"name", "fetch"},
       {"steps", json::parse(R"([{"commands": ["true"]}])")},
       {"outputs", {{"files", fetch_outputs}}}},
      {{"name", "ocr"},
       {"dependsOn", json::array({"fetch"})},
       {"forEach", {{"from", "fetch"}, {"file", file}}},
       {"steps", json::parse(R"([{"commands": ["true"]}])")}},
  });
  return s;
}

Result<JobSpec> ParseJson(const json& s) { return ParseJobSpec(s.dump(), BodyFormat::kJson); }

JobSpec RoundTrip(const JobSpec& s) {
  Result<JobSpec> back = ParseJobSpec(ToJson(s).dump(), BodyFormat::kJson);
  EXPECT_THAT(back, IsOk());
  return back.ok() ? *back : JobSpec{};
}

TEST(FanOutTest, DesignExampleParses) {
  Result<JobSpec> s = ParseJobSpec(testing::kFanOutExampleYaml, BodyFormat::kYaml);
  ASSERT_THAT(s, IsOk());
  ASSERT_EQ(s->tasks.size(), 2u);
  const Task& fetch = s->tasks[0];
  const Task& ocr = s->tasks[1];
  EXPECT_EQ(fetch.for_each, std::nullopt);
  EXPECT_THAT(fetch.outputs, ElementsAre("list.txt"));
  ASSERT_TRUE(ocr.for_each.has_value());
  EXPECT_EQ(*ocr.for_each, (ForEach{.from = "fetch", .file = "list.txt", .items = {}}));
  EXPECT_FALSE(ocr.for_each->literal());
  // A fan-out task keeps outputs of its own (one set per instance).
  EXPECT_THAT(ocr.outputs, ElementsAre("out.txt"));
}

TEST(FanOutTest, GlobInOutputsCoversTheFile) {
  Result<JobSpec> s =
      ParseJson(FanOutSpec({"logs/*.log", "data/page-[0-9].txt"}, "data/page-7.txt"));
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->tasks[1].for_each->file, "data/page-7.txt");
  EXPECT_THAT(s->tasks[0].outputs, ElementsAre("logs/*.log", "data/page-[0-9].txt"));
}

TEST(FanOutTest, FileInASubdirectoryMatchedExactly) {
  EXPECT_THAT(ParseJson(FanOutSpec({"out/list.txt"}, "out/list.txt")), IsOk());
}

TEST(FanOutTest, DotsThatAreNotParentComponentsAreFine) {
  Result<JobSpec> s = ParseJson(FanOutSpec({"...", "a..b", "./x", "..list"}, "..list"));
  ASSERT_THAT(s, IsOk());
  EXPECT_THAT(s->tasks[0].outputs, ElementsAre("...", "a..b", "./x", "..list"));
}

TEST(FanOutTest, LiteralItemsFromJsonBecomeText) {
  json s = testing::MinimalSpec();
  s["spec"]["tasks"][0]["forEach"] = {
      {"items", json::array({"page one", 7, -3, 2.5, true, false, "", "x\ny"})}};
  Result<JobSpec> r = ParseJson(s);
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->tasks[0].for_each.has_value());
  EXPECT_TRUE(r->tasks[0].for_each->literal());
  EXPECT_THAT(r->tasks[0].for_each->items,
              ElementsAre("page one", "7", "-3", "2.5", "true", "false", "", "x\ny"));
}

TEST(FanOutTest, LiteralItemsFromYamlKeepTheirText) {
  Result<JobSpec> r = ParseJobSpec(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: j}
spec:
  tasks:
    - name: a
      forEach:
        items: [1, 007, true, a b, "quoted: yes"]
      steps: [{commands: [echo $PIPEGRID_ITEM]}]
)",
                                   BodyFormat::kYaml);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->tasks[0].for_each->items, ElementsAre("1", "007", "true", "a b", "quoted: yes"));
}

TEST(FanOutTest, EmptyItemListIsAnEmptyFanOut) {
  json s = testing::MinimalSpec();
  s["spec"]["tasks"][0]["forEach"] = {{"items", json::array()}};
  Result<JobSpec> r = ParseJson(s);
  ASSERT_THAT(r, IsOk());
  ASSERT_TRUE(r->tasks[0].for_each.has_value());
  EXPECT_TRUE(r->tasks[0].for_each->literal());
  EXPECT_THAT(r->tasks[0].for_each->items, IsEmpty());
}

TEST(FanOutTest, ItemOfMaximumLengthIsAccepted) {
  json s = testing::MinimalSpec();
  s["spec"]["tasks"][0]["forEach"] = {{"items", {std::string(4096, 'i')}}};
  EXPECT_THAT(ParseJson(s), IsOk());
}

TEST(FanOutTest, NullMeansNotSet) {
  json s = testing::MinimalSpec();
  s["spec"]["tasks"][0]["forEach"] = nullptr;
  s["spec"]["tasks"][0]["outputs"] = nullptr;
  Result<JobSpec> r = ParseJson(s);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->tasks[0].for_each, std::nullopt);
  EXPECT_THAT(r->tasks[0].outputs, IsEmpty());
}

TEST(FanOutTest, TaskWithoutTheFieldsHasNone) {
  Result<JobSpec> r = ParseJson(testing::MinimalSpec());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->tasks[0].for_each, std::nullopt);
  EXPECT_THAT(r->tasks[0].outputs, IsEmpty());
}

TEST(FanOutToJsonTest, DesignExampleRoundTripsAndSpellsTheFieldsOut) {
  Result<JobSpec> s = ParseJobSpec(testing::kFanOutExampleYaml, BodyFormat::kYaml);
  ASSERT_THAT(s, IsOk());
  json j = ToJson(*s);
  EXPECT_EQ(j["spec"]["tasks"][0]["outputs"], json::parse(R"({"files": ["list.txt"]})"));
  EXPECT_FALSE(j["spec"]["tasks"][0].contains("forEach"));
  EXPECT_EQ(j["spec"]["tasks"][1]["forEach"],
            json::parse(R"({"from": "fetch", "file": "list.txt"})"));
  EXPECT_EQ(j["spec"]["tasks"][1]["outputs"], json::parse(R"({"files": ["out.txt"]})"));
  EXPECT_EQ(RoundTrip(*s), *s);
}

TEST(FanOutToJsonTest, LiteralItemsRoundTripAsText) {
  json s = testing::MinimalSpec();
  s["spec"]["tasks"][0]["forEach"] = {{"items", json::array({1, "two", true, ""})}};
  Result<JobSpec> r = ParseJson(s);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(ToJson(*r)["spec"]["tasks"][0]["forEach"],
            json::parse(R"({"items": ["1", "two", "true", ""]})"));
  EXPECT_EQ(RoundTrip(*r), *r);
}

TEST(FanOutToJsonTest, HandBuiltSpecRoundTrips) {
  JobSpec s;
  s.name = "fan";
  Task fetch{.name = "fetch", .steps = {{"shell", {"true"}}}};
  fetch.outputs = {"list.txt", "pages/*.png", "a b/[x]?"};
  Task empty{.name = "empty", .steps = {{"shell", {"true"}}}};
  empty.for_each = ForEach{};  // literal, no items: succeeds with no instances
  Task ocr{.name = "ocr", .depends_on = {"fetch", "empty"}, .steps = {{"shell", {"true"}}}};
  ocr.for_each = ForEach{.from = "fetch", .file = "list.txt"};
  ocr.outputs = {"out.txt"};
  s.tasks = {fetch, empty, ocr};
  EXPECT_EQ(RoundTrip(s), s);
  EXPECT_EQ(ToJson(s)["spec"]["tasks"][1]["forEach"], json::parse(R"({"items": []})"));
}

TEST(FanOutToJsonTest, YamlAndJsonGiveIdenticalCanonicalJson) {
  Result<JobSpec> y = ParseJobSpec(testing::kFanOutExampleYaml, BodyFormat::kYaml);
  Result<JobSpec> j = ParseJobSpec(R"({
    "apiVersion": "pipegrid/v1", "kind": "Job", "metadata": {"name": "ocr-batch"},
    "spec": {"tasks": [
      {"name": "fetch", "steps": [{"executor": "shell", "commands": ["seq 1 3 > list.txt"]}],
       "outputs": {"files": ["list.txt"]}},
      {"name": "ocr", "dependsOn": ["fetch"], "forEach": {"from": "fetch", "file": "list.txt"},
       "spread": true, "steps": [{"commands": ["echo page $PIPEGRID_ITEM > out.txt"]}],
       "outputs": {"files": ["out.txt"]}}
    ]}
  })",
                                   BodyFormat::kJson);
  ASSERT_THAT(y, IsOk());
  ASSERT_THAT(j, IsOk());
  EXPECT_EQ(ToJson(*y).dump(), ToJson(*j).dump());
}

}  // namespace
}  // namespace pipegrid::spec
