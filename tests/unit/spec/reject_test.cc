// One case per kind of invalid spec: each must be InvalidArgument with the
// field path of the offending value and a message that says what is wrong.
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
using ::pipegrid::testing::StatusIs;
using ::testing::HasSubstr;

using testing::RejectCase;

// (A vector, not a braced list: nlohmann reads {"a", "x"} as an object.)
json Task(const std::string& name, const std::vector<std::string>& depends_on = {}) {
  return {{"name", name},
          {"dependsOn", depends_on},
          {"steps", json::parse(R"([{"commands": ["true"]}])")}};
}

void SetTasks(json& s, json tasks) { s["spec"]["tasks"] = std::move(tasks); }
json& Task0(json& s) { return s["spec"]["tasks"][0]; }
json& Step0(json& s) { return Task0(s)["steps"][0]; }

std::vector<RejectCase> Cases() {
  return {
      // Header and unknown fields.
      {"MissingApiVersion", [](json& s) { s.erase("apiVersion"); }, "apiVersion",
       "apiVersion is required"},
      {"WrongApiVersion", [](json& s) { s["apiVersion"] = "pipegrid/v2"; }, "apiVersion",
       "unsupported apiVersion \"pipegrid/v2\""},
      {"MissingKind", [](json& s) { s.erase("kind"); }, "kind", "kind is required"},
      {"WrongKind", [](json& s) { s["kind"] = "Pod"; }, "kind", "unsupported kind \"Pod\""},
      {"UnknownTopLevelField", [](json& s) { s["status"] = json::object(); }, "status",
       "unknown field \"status\""},
      {"UnknownSpecField", [](json& s) { s["spec"]["tasksx"] = 1; }, "spec.tasksx",
       "unknown field \"tasksx\""},
      {"UnknownMetadataField", [](json& s) { s["metadata"]["annotations"] = 1; },
       "metadata.annotations", "unknown field \"annotations\""},
      {"UnknownTaskField", [](json& s) { Task0(s)["command"] = "x"; }, "spec.tasks[0].command",
       "unknown field \"command\""},
      {"UnknownStepField", [](json& s) { Step0(s)["image"] = "x"; }, "spec.tasks[0].steps[0].image",
       "unknown field \"image\""},
      {"UnknownRetryField",
       [](json& s) {
         s["spec"]["retry"] = {{"limits", 1}};
       },
       "spec.retry.limits", "unknown field \"limits\""},
      {"UnknownBackoffField",
       [](json& s) {
         s["spec"]["retry"]["backoff"] = {{"min", "1s"}};
       },
       "spec.retry.backoff.min", "unknown field \"min\""},
      {"UnknownResourceField",
       [](json& s) {
         Task0(s)["resources"] = {{"gpu", 1}};
       },
       "spec.tasks[0].resources.gpu", "unknown field \"gpu\""},
      {"WeirdUnknownKeyIsQuotedInPath", [](json& s) { s["spec"]["a b"] = 1; }, "spec[\"a b\"]",
       "unknown field \"a b\""},
      // Wrong types.
      {"MetadataNotObject", [](json& s) { s["metadata"] = "job"; }, "metadata",
       "must be an object"},
      {"NameNotString", [](json& s) { s["metadata"]["name"] = 5; }, "metadata.name",
       "must be a string"},
      {"TasksNotList", [](json& s) { s["spec"]["tasks"] = json::object(); }, "spec.tasks",
       "must be a list"},
      {"PriorityNotInteger", [](json& s) { s["spec"]["priority"] = 1.5; }, "spec.priority",
       "must be an integer"},
      {"PriorityAsStringInJson", [](json& s) { s["spec"]["priority"] = "5"; }, "spec.priority",
       "must be an integer"},
      {"PriorityOutOfRange", [](json& s) { s["spec"]["priority"] = 1LL << 40; }, "spec.priority",
       "must be between"},
      {"FailFastNotBool", [](json& s) { s["spec"]["failFast"] = "yes"; }, "spec.failFast",
       "must be true or false"},
      {"SpreadNotBool", [](json& s) { Task0(s)["spread"] = 1; }, "spec.tasks[0].spread",
       "must be true or false"},
      {"DependsOnNotList", [](json& s) { Task0(s)["dependsOn"] = "b"; }, "spec.tasks[0].dependsOn",
       "must be a list"},
      {"LabelValueNotString",
       [](json& s) {
         s["metadata"]["labels"] = {{"tier", 1}};
       },
       "metadata.labels.tier", "must be a string"},
      // Metadata.
      {"MissingMetadata", [](json& s) { s.erase("metadata"); }, "metadata", "is required"},
      {"MissingName", [](json& s) { s["metadata"].erase("name"); }, "metadata.name", "is required"},
      {"BadJobName", [](json& s) { s["metadata"]["name"] = "-job"; }, "metadata.name",
       "invalid job name \"-job\""},
      {"JobNameTooLong", [](json& s) { s["metadata"]["name"] = std::string(254, 'j'); },
       "metadata.name", "at most 253 characters"},
      {"BadNamespace", [](json& s) { s["metadata"]["namespace"] = "Prod"; }, "metadata.namespace",
       "invalid namespace \"Prod\""},
      {"NamespaceEndsWithDash", [](json& s) { s["metadata"]["namespace"] = "prod-"; },
       "metadata.namespace", "invalid namespace"},
      {"EmptyExternalId", [](json& s) { s["metadata"]["externalId"] = ""; }, "metadata.externalId",
       "1 to 256 printable"},
      {"ExternalIdWithControlCharacter", [](json& s) { s["metadata"]["externalId"] = "a\tb"; },
       "metadata.externalId", "1 to 256 printable"},
      {"ExternalIdTooLong", [](json& s) { s["metadata"]["externalId"] = std::string(257, 'x'); },
       "metadata.externalId", "1 to 256 printable"},
      {"BadLabelKey",
       [](json& s) {
         s["metadata"]["labels"] = {{"team/", "x"}};
       },
       "metadata.labels[\"team/\"]", "invalid key \"team/\""},
      {"LabelKeyTooLong",
       [](json& s) {
         s["metadata"]["labels"] = {{std::string(64, 'k'), "x"}};
       },
       "metadata.labels." + std::string(64, 'k'), "invalid key"},
      {"LabelValueTooLong",
       [](json& s) {
         s["metadata"]["labels"] = {{"team", std::string(257, 'v')}};
       },
       "metadata.labels.team", "at most 256 characters"},
      // Job-level policy.
      {"MissingSpec", [](json& s) { s.erase("spec"); }, "spec", "is required"},
      {"TimeoutZero", [](json& s) { s["spec"]["timeout"] = "0"; }, "spec.timeout",
       "must be greater than 0"},
      {"TimeoutBadDuration", [](json& s) { s["spec"]["timeout"] = "abc"; }, "spec.timeout",
       "invalid duration \"abc\": expected a number followed by ms, s, m, h or d"},
      {"TimeoutAsNumber", [](json& s) { s["spec"]["timeout"] = 10; }, "spec.timeout",
       "must be a duration string"},
      {"RetryLimitNegative",
       [](json& s) {
         s["spec"]["retry"] = {{"limit", -1}};
       },
       "spec.retry.limit", "between 0 and 1000"},
      {"RetryLimitTooLarge",
       [](json& s) {
         s["spec"]["retry"] = {{"limit", 1001}};
       },
       "spec.retry.limit", "between 0 and 1000"},
      {"LostLimitTooLarge",
       [](json& s) {
         s["spec"]["retry"] = {{"lostLimit", 5000}};
       },
       "spec.retry.lostLimit", "between 0 and 1000"},
      {"BackoffFactorBelowOne",
       [](json& s) {
         s["spec"]["retry"]["backoff"] = {{"factor", 0.5}};
       },
       "spec.retry.backoff.factor", "at least 1"},
      {"BackoffJitterAboveOne",
       [](json& s) {
         s["spec"]["retry"]["backoff"] = {{"jitter", 1.5}};
       },
       "spec.retry.backoff.jitter", "between 0 and 1"},
      {"BackoffInitialBadDuration",
       [](json& s) {
         s["spec"]["retry"]["backoff"] = {{"initial", "1x"}};
       },
       "spec.retry.backoff.initial", "invalid duration \"1x\""},
      {"BackoffMaxNegative",
       [](json& s) {
         s["spec"]["retry"]["backoff"] = {{"max", "-1s"}};
       },
       "spec.retry.backoff.max", "must not be negative"},
      // Tasks.
      {"TasksMissing", [](json& s) { s["spec"].erase("tasks"); }, "spec.tasks", "is required"},
      {"TasksEmpty", [](json& s) { SetTasks(s, json::array()); }, "spec.tasks",
       "must not be empty"},
      {"TooManyTasks",
       [](json& s) {
         json tasks = json::array();
         for (int i = 0; i < 10001; ++i) tasks.push_back(Task("t" + std::to_string(i)));
         SetTasks(s, std::move(tasks));
       },
       "spec.tasks", "at most 10000"},
      {"TaskNameMissing", [](json& s) { Task0(s).erase("name"); }, "spec.tasks[0].name",
       "is required"},
      {"BadTaskName",
       [](json& s) {
         SetTasks(s, {Task("a"), Task("a b")});
       },
       "spec.tasks[1].name", "invalid task name \"a b\""},
      {"TaskNameWithDot", [](json& s) { Task0(s)["name"] = "a.b"; }, "spec.tasks[0].name",
       "invalid task name"},
      {"TaskNameTooLong", [](json& s) { Task0(s)["name"] = std::string(64, 't'); },
       "spec.tasks[0].name", "at most 63 characters"},
      {"DuplicateTaskName",
       [](json& s) {
         SetTasks(s, {Task("a"), Task("b"), Task("c"), Task("b")});
       },
       "spec.tasks[3].name", "duplicate task name \"b\""},
      {"StepsMissing", [](json& s) { Task0(s).erase("steps"); }, "spec.tasks[0].steps",
       "is required"},
      {"StepsEmpty", [](json& s) { Task0(s)["steps"] = json::array(); }, "spec.tasks[0].steps",
       "must not be empty"},
      {"CommandsMissing", [](json& s) { Step0(s).erase("commands"); },
       "spec.tasks[0].steps[0].commands", "is required"},
      {"CommandsEmpty", [](json& s) { Step0(s)["commands"] = json::array(); },
       "spec.tasks[0].steps[0].commands", "must not be empty"},
      {"CommandEmptyString",
       [](json& s) {
         Step0(s)["commands"] = json::array({"ls", ""});
       },
       "spec.tasks[0].steps[0].commands[1]", "must not be empty"},
      {"CommandNotString", [](json& s) { Step0(s)["commands"] = {42}; },
       "spec.tasks[0].steps[0].commands[0]", "must be a string"},
      {"CommandWithNul", [](json& s) { Step0(s)["commands"] = {std::string("ls\0rm", 5)}; },
       "spec.tasks[0].steps[0].commands[0]", "NUL"},
      {"BadExecutorName", [](json& s) { Step0(s)["executor"] = "my tool"; },
       "spec.tasks[0].steps[0].executor", "invalid executor name \"my tool\""},
      // Dependencies.
      {"UnknownDependency",
       [](json& s) {
         SetTasks(s, {Task("a"), Task("b", {"a", "x"})});
       },
       "spec.tasks[1].dependsOn[1]", "unknown task \"x\""},
      {"SelfDependency", [](json& s) { SetTasks(s, {Task("a", {"a"})}); },
       "spec.tasks[0].dependsOn", "dependency cycle: a -> a"},
      {"DependencyCycle",
       [](json& s) {
         SetTasks(s, {Task("a", {"c"}), Task("b", {"a"}), Task("c", {"b"})});
       },
       "spec.tasks[0].dependsOn", "dependency cycle: a -> c -> b -> a"},
      {"DuplicateDependency",
       [](json& s) {
         SetTasks(s, {Task("a"), Task("b", {"a", "a"})});
       },
       "spec.tasks[1].dependsOn[1]", "duplicate dependency \"a\""},
      // Resources, placement, per-task policy.
      {"CpuZero",
       [](json& s) {
         Task0(s)["resources"] = {{"cpu", 0}};
       },
       "spec.tasks[0].resources.cpu", "must be greater than 0"},
      {"CpuBadText",
       [](json& s) {
         Task0(s)["resources"] = {{"cpu", "lots"}};
       },
       "spec.tasks[0].resources.cpu", "number of cores"},
      {"MemoryBadSize",
       [](json& s) {
         Task0(s)["resources"] = {{"memory", "1Gb"}};
       },
       "spec.tasks[0].resources.memory", "invalid size \"1Gb\""},
      {"MemoryZero",
       [](json& s) {
         Task0(s)["resources"] = {{"memory", "0"}};
       },
       "spec.tasks[0].resources.memory", "must be greater than 0"},
      {"NodeSelectorBadKey",
       [](json& s) {
         Task0(s)["nodeSelector"] = {{"bad key", "x"}};
       },
       "spec.tasks[0].nodeSelector[\"bad key\"]", "invalid key"},
      {"TaskTimeoutBad", [](json& s) { Task0(s)["timeout"] = "10 minutes"; },
       "spec.tasks[0].timeout", "invalid duration"},
      {"TaskRetryLimitBad",
       [](json& s) {
         Task0(s)["retry"] = {{"limit", "3"}};
       },
       "spec.tasks[0].retry.limit", "must be an integer"},
      // forEach and outputs: fan_out_test.cc.
  };
}

class RejectTest : public ::testing::TestWithParam<RejectCase> {};

TEST_P(RejectTest, InvalidArgumentAtField) {
  testing::ExpectRejected(testing::MinimalSpec(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Spec, RejectTest, ::testing::ValuesIn(Cases()), testing::CaseName);

// The same checks hold for YAML, where scalars are strings until a field reads them.
TEST(RejectYamlTest, BooleanFieldRefusesYamlWords) {
  Result<JobSpec> r = ParseJobSpec(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: j}
spec:
  failFast: yes
  tasks: [{name: a, steps: [{commands: [x]}]}]
)",
                                   BodyFormat::kYaml);
  ASSERT_THAT(r, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(r.status().field(), "spec.failFast");
}

TEST(RejectYamlTest, IntegerFieldRefusesText) {
  Result<JobSpec> r = ParseJobSpec(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: j}
spec:
  priority: high
  tasks: [{name: a, steps: [{commands: [x]}]}]
)",
                                   BodyFormat::kYaml);
  ASSERT_THAT(r, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(r.status().field(), "spec.priority");
  EXPECT_THAT(r.status().message(), HasSubstr("must be an integer"));
}

TEST(RejectYamlTest, UnknownFieldPathInYaml) {
  Result<JobSpec> r = ParseJobSpec(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: j}
spec:
  tasks:
    - name: a
      steps: [{commands: [x]}]
    - name: b
      step: [{commands: [x]}]
)",
                                   BodyFormat::kYaml);
  ASSERT_THAT(r, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(r.status().field(), "spec.tasks[1].step");
}

TEST(RejectYamlTest, EmptyValueOfRequiredFieldIsMissing) {
  Result<JobSpec> r = ParseJobSpec(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: j}
spec:
  tasks:
)",
                                   BodyFormat::kYaml);
  ASSERT_THAT(r, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(r.status().field(), "spec.tasks");
  EXPECT_THAT(r.status().message(), HasSubstr("is required"));
}

TEST(RejectMessageTest, HugeValuesAreShortenedInMessages) {
  json spec = testing::MinimalSpec();
  spec["spec"]["tasks"][0]["name"] = std::string(100'000, '!');
  Result<JobSpec> r = ParseJobSpec(spec.dump(), BodyFormat::kJson);
  ASSERT_THAT(r, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(r.status().field(), "spec.tasks[0].name");
  EXPECT_LT(r.status().message().size(), 400u);
}

}  // namespace
}  // namespace pipegrid::spec
