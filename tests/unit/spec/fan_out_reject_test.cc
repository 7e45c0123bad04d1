// Invalid forEach and outputs: each is InvalidArgument at the offending field
// with a message that says what is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "spec/job_spec.h"
#include "support/test_util.h"
#include "unit/spec/reject_case.h"
#include "unit/spec/samples.h"

namespace pipegrid::spec {
namespace {

using nlohmann::json;
using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::testing::HasSubstr;

using testing::RejectCase;

json Steps() { return json::parse(R"([{"commands": ["true"]}])"); }

// fetch keeps list.txt; ocr fans out over it and keeps out.txt. Valid as is.
json ValidFanOut() {
  json s = testing::MinimalSpec();
  s["spec"]["tasks"] = json::array({
      {{"name", "fetch"}, {"steps", Steps()}, {"outputs", {{"files", {"list.txt"}}}}},
      {{"name", "ocr"},
       {"dependsOn", json::array({"fetch"})},
       {"forEach", {{"from", "fetch"}, {"file", "list.txt"}}},
       {"steps", Steps()},
       {"outputs", {{"files", {"out.txt"}}}}},
  });
  return s;
}

json& Fetch(json& s) { return s["spec"]["tasks"][0]; }
json& Ocr(json& s) { return s["spec"]["tasks"][1]; }
json& ForEachOf(json& s) { return Ocr(s)["forEach"]; }
json& OutputFiles(json& s) { return Fetch(s)["outputs"]["files"]; }

std::vector<RejectCase> Cases() {
  return {
      // The shape of forEach.
      {"ForEachNotObject", [](json& s) { ForEachOf(s) = "fetch"; }, "spec.tasks[1].forEach",
       "must be an object"},
      {"ForEachUnknownKey", [](json& s) { ForEachOf(s)["over"] = "x"; },
       "spec.tasks[1].forEach.over", "unknown field \"over\" (known: from, file, items)"},
      {"ForEachBothForms", [](json& s) { ForEachOf(s)["items"] = {"a"}; }, "spec.tasks[1].forEach",
       "forEach takes either {from, file} or {items}, not both"},
      {"ForEachItemsAndFileOnly",
       [](json& s) {
         ForEachOf(s).erase("from");
         ForEachOf(s)["items"] = json::array();
       },
       "spec.tasks[1].forEach", "not both"},
      {"ForEachEmpty", [](json& s) { ForEachOf(s) = json::object(); }, "spec.tasks[1].forEach",
       "forEach needs either {from: <task>, file: <output file>} or {items: [...]}"},
      {"FromWithoutFile", [](json& s) { ForEachOf(s).erase("file"); }, "spec.tasks[1].forEach.file",
       "file is required"},
      {"FileWithoutFrom", [](json& s) { ForEachOf(s).erase("from"); }, "spec.tasks[1].forEach.from",
       "from is required"},
      // forEach.from
      {"FromNotString", [](json& s) { ForEachOf(s)["from"] = 1; }, "spec.tasks[1].forEach.from",
       "must be a string"},
      {"FromNotInDependsOn", [](json& s) { Ocr(s).erase("dependsOn"); },
       "spec.tasks[1].forEach.from",
       "forEach.from \"fetch\" must be listed in dependsOn of \"ocr\""},
      {"FromUnknownTask",
       [](json& s) {
         ForEachOf(s)["from"] = "nope";
         Ocr(s)["dependsOn"] = {"fetch"};
       },
       "spec.tasks[1].forEach.from", "must be listed in dependsOn"},
      {"FromIsItselfAFanOut",
       [](json& s) {
         s["spec"]["tasks"].push_back({{"name", "join"},
                                       {"dependsOn", {"ocr"}},
                                       {"forEach", {{"from", "ocr"}, {"file", "out.txt"}}},
                                       {"steps", Steps()}});
       },
       "spec.tasks[2].forEach.from", "forEach.from ocr is itself a fan-out task"},
      // forEach.file
      {"FileNotString", [](json& s) { ForEachOf(s)["file"] = json::array({"list.txt"}); },
       "spec.tasks[1].forEach.file", "must be a string"},
      {"FileEmpty", [](json& s) { ForEachOf(s)["file"] = ""; }, "spec.tasks[1].forEach.file",
       "must not be empty"},
      {"FileAbsolute", [](json& s) { ForEachOf(s)["file"] = "/etc/passwd"; },
       "spec.tasks[1].forEach.file", "must be relative to the workspace, not absolute"},
      {"FileIsParent", [](json& s) { ForEachOf(s)["file"] = ".."; }, "spec.tasks[1].forEach.file",
       "no \"..\" component"},
      {"FileStartsWithParent", [](json& s) { ForEachOf(s)["file"] = "../fetch/list.txt"; },
       "spec.tasks[1].forEach.file", "no \"..\" component"},
      {"FileParentInTheMiddle", [](json& s) { ForEachOf(s)["file"] = "a/../../b"; },
       "spec.tasks[1].forEach.file", "no \"..\" component"},
      {"FileEndsWithParent", [](json& s) { ForEachOf(s)["file"] = "a/.."; },
       "spec.tasks[1].forEach.file", "no \"..\" component"},
      {"FileWithNul", [](json& s) { ForEachOf(s)["file"] = std::string("list\0.txt", 9); },
       "spec.tasks[1].forEach.file", "NUL"},
      {"FileTooLong", [](json& s) { ForEachOf(s)["file"] = std::string(4097, 'f'); },
       "spec.tasks[1].forEach.file", "at most 4096 bytes"},
      {"FileNotAmongOutputs", [](json& s) { OutputFiles(s) = {"other.txt"}; },
       "spec.tasks[1].forEach.file",
       "forEach.file list.txt is not among task fetch's outputs.files"},
      {"FromKeepsNoOutputs", [](json& s) { Fetch(s).erase("outputs"); },
       "spec.tasks[1].forEach.file",
       "forEach.file list.txt is not among task fetch's outputs.files"},
      {"GlobStarDoesNotCrossSlash",
       [](json& s) {
         OutputFiles(s) = {"*.txt"};
         ForEachOf(s)["file"] = "data/list.txt";
       },
       "spec.tasks[1].forEach.file", "is not among task fetch's outputs.files"},
      {"OwnOutputsDoNotCount",
       [](json& s) {
         OutputFiles(s) = {"other.txt"};
         Ocr(s)["outputs"]["files"] = {"list.txt"};
       },
       "spec.tasks[1].forEach.file", "is not among task fetch's outputs.files"},
      // forEach.items
      {"ItemsNotList",
       [](json& s) {
         ForEachOf(s) = {{"items", "a,b"}};
       },
       "spec.tasks[1].forEach.items", "must be a list"},
      {"ItemNull",
       [](json& s) {
         ForEachOf(s) = {{"items", json::array({"a", nullptr})}};
       },
       "spec.tasks[1].forEach.items[1]", "must be a string, number or boolean"},
      {"ItemObject",
       [](json& s) {
         ForEachOf(s) = {{"items", json::array({json::object({{"page", 1}})})}};
       },
       "spec.tasks[1].forEach.items[0]", "must be a string, number or boolean"},
      {"ItemList",
       [](json& s) {
         ForEachOf(s) = {{"items", json::array({json::array({1, 2})})}};
       },
       "spec.tasks[1].forEach.items[0]", "must be a string, number or boolean"},
      {"ItemTooLong",
       [](json& s) {
         ForEachOf(s) = {{"items", json::array({"ok", std::string(4097, 'i')})}};
       },
       "spec.tasks[1].forEach.items[1]", "at most 4096 bytes"},
      {"ItemWithNul",
       [](json& s) {
         ForEachOf(s) = {{"items", json::array({std::string("a\0b", 3)})}};
       },
       "spec.tasks[1].forEach.items[0]", "NUL"},
      // outputs
      {"OutputsNotObject", [](json& s) { Fetch(s)["outputs"] = {"list.txt"}; },
       "spec.tasks[0].outputs", "must be an object"},
      {"OutputsUnknownKey", [](json& s) { Fetch(s)["outputs"]["dirs"] = {"d"}; },
       "spec.tasks[0].outputs.dirs", "unknown field \"dirs\" (known: files)"},
      {"OutputsWithoutFiles", [](json& s) { Fetch(s)["outputs"] = json::object(); },
       "spec.tasks[0].outputs.files", "files is required"},
      {"OutputFilesNotList", [](json& s) { OutputFiles(s) = "list.txt"; },
       "spec.tasks[0].outputs.files", "must be a list"},
      {"OutputFilesEmpty", [](json& s) { OutputFiles(s) = json::array(); },
       "spec.tasks[0].outputs.files", "must not be empty"},
      {"OutputFileNotString",
       [](json& s) {
         OutputFiles(s) = json::array({"list.txt", 3});
       },
       "spec.tasks[0].outputs.files[1]", "must be a string"},
      {"OutputFileEmpty",
       [](json& s) {
         OutputFiles(s) = json::array({"list.txt", ""});
       },
       "spec.tasks[0].outputs.files[1]", "must not be empty"},
      {"OutputFileAbsolute", [](json& s) { OutputFiles(s) = json::array({"/tmp/*"}); },
       "spec.tasks[0].outputs.files[0]", "not absolute"},
      {"OutputGlobLeavesWorkspace", [](json& s) { OutputFiles(s) = json::array({"*/../*"}); },
       "spec.tasks[0].outputs.files[0]", "no \"..\" component"},
      {"OutputFileWithNul", [](json& s) { OutputFiles(s) = json::array({std::string("a\0b", 3)}); },
       "spec.tasks[0].outputs.files[0]", "NUL"},
      {"OutputFileDuplicate",
       [](json& s) {
         OutputFiles(s) = json::array({"list.txt", "out/*", "list.txt"});
       },
       "spec.tasks[0].outputs.files[2]", "duplicate path \"list.txt\""},
      {"FanOutTaskOutputsChecked", [](json& s) { Ocr(s)["outputs"]["files"] = {"../x"}; },
       "spec.tasks[1].outputs.files[0]", "no \"..\" component"},
  };
}

class FanOutRejectTest : public ::testing::TestWithParam<RejectCase> {};

TEST(FanOutRejectBaseTest, BaseSpecIsValid) {
  EXPECT_THAT(ParseJobSpec(ValidFanOut().dump(), BodyFormat::kJson), IsOk());
}

TEST_P(FanOutRejectTest, InvalidArgumentAtField) {
  testing::ExpectRejected(ValidFanOut(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Spec, FanOutRejectTest, ::testing::ValuesIn(Cases()), testing::CaseName);

// YAML reaches the same checks; its `~` item is a null, not the text "~".
TEST(FanOutRejectYamlTest, NullItemInYaml) {
  Result<JobSpec> r = ParseJobSpec(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: j}
spec:
  tasks:
    - name: a
      forEach: {items: [x, ~]}
      steps: [{commands: [x]}]
)",
                                   BodyFormat::kYaml);
  ASSERT_THAT(r, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(r.status().field(), "spec.tasks[0].forEach.items[1]");
}

TEST(FanOutRejectYamlTest, FileNotAmongOutputsInYaml) {
  Result<JobSpec> r = ParseJobSpec(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: j}
spec:
  tasks:
    - name: fetch
      steps: [{commands: [x]}]
      outputs: {files: [pages.txt]}
    - name: ocr
      dependsOn: [fetch]
      forEach: {from: fetch, file: list.txt}
      steps: [{commands: [x]}]
)",
                                   BodyFormat::kYaml);
  ASSERT_THAT(r, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(r.status().field(), "spec.tasks[1].forEach.file");
  EXPECT_EQ(r.status().message(), "forEach.file list.txt is not among task fetch's outputs.files");
}

}  // namespace
}  // namespace pipegrid::spec
