// ToJson: canonical, complete, and read back to the same spec.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec/job_spec.h"
#include "support/test_util.h"
#include "unit/spec/samples.h"

namespace pipegrid::spec {
namespace {

using nlohmann::json;
using ::pipegrid::testing::IsOk;

JobSpec RoundTrip(const JobSpec& s) {
  Result<JobSpec> back = ParseJobSpec(ToJson(s).dump(), BodyFormat::kJson);
  EXPECT_THAT(back, IsOk());
  return back.ok() ? *back : JobSpec{};
}

TEST(ToJsonTest, DesignExampleRoundTrips) {
  Result<JobSpec> s = ParseJobSpec(testing::kDesignExampleYaml, BodyFormat::kYaml);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(RoundTrip(*s), *s);
}

TEST(ToJsonTest, EveryFieldIsSpelledOut) {
  Result<JobSpec> s = ParseJobSpec(testing::MinimalSpec().dump(), BodyFormat::kJson);
  ASSERT_THAT(s, IsOk());
  json j = ToJson(*s);
  EXPECT_EQ(j, json::parse(R"({
    "apiVersion": "pipegrid/v1", "kind": "Job",
    "metadata": {"name": "job", "namespace": "default", "externalId": null, "labels": {}},
    "spec": {
      "priority": 0, "timeout": null, "failFast": false,
      "retry": {"limit": 0, "lostLimit": 3,
                "backoff": {"initial": "1s", "factor": 2.0, "max": "5m", "jitter": 0.1}},
      "tasks": [{
        "name": "a", "dependsOn": [],
        "steps": [{"executor": "shell", "commands": ["true"]}],
        "timeout": null,
        "retry": {"limit": 0, "lostLimit": 3,
                  "backoff": {"initial": "1s", "factor": 2.0, "max": "5m", "jitter": 0.1}},
        "resources": {"cpu": null, "memory": null},
        "nodeSelector": {}, "spread": false
      }]
    }
  })"));
}

TEST(ToJsonTest, HandBuiltSpecWithOddValuesRoundTrips) {
  JobSpec s;
  s.name = "odd.values_1";
  s.namespace_ = "ns-2";
  s.external_id = "id with spaces ~!";
  s.labels = {{"a.b/c", ""}, {"k", "v\xc3\xa9"}};
  s.priority = -2147483647 - 1;
  s.timeout = Millis(90'061'001);  // 1d1h1m1s1ms
  s.fail_fast = true;
  s.retry = {.limit = 1000,
             .lost_limit = 0,
             .backoff = {.initial = Millis(0), .factor = 1.1, .max = Millis(1), .jitter = 1.0 / 3}};
  Task a;
  a.name = "a";
  a.steps = {{"shell", {"echo \"quoted\" \\ back"}}, {"x_y", {"1", "2"}}};
  a.retry = s.retry;
  a.cpu = 0.1;
  a.memory = (1LL << 40) + 1;
  a.spread = true;
  Task b;
  b.name = "b";
  b.depends_on = {"a"};
  b.steps = {{"shell", {"true"}}};
  b.timeout = Millis(250);
  b.node_selector = {{"pipegrid.io/zone", "a"}};
  s.tasks = {a, b};
  EXPECT_EQ(RoundTrip(s), s);
}

TEST(ToJsonTest, YamlAndJsonOfOneSpecGiveIdenticalCanonicalJson) {
  Result<JobSpec> y = ParseJobSpec(testing::kDesignExampleYaml, BodyFormat::kYaml);
  Result<JobSpec> j = ParseJobSpec(testing::kDesignExampleJson, BodyFormat::kJson);
  ASSERT_THAT(y, IsOk());
  ASSERT_THAT(j, IsOk());
  EXPECT_EQ(ToJson(*y).dump(), ToJson(*j).dump());
}

TEST(ToJsonTest, ResolvedRetryIsWrittenPerTask) {
  Result<JobSpec> s = ParseJobSpec(testing::kDesignExampleYaml, BodyFormat::kYaml);
  ASSERT_THAT(s, IsOk());
  json j = ToJson(*s);
  EXPECT_EQ(j["spec"]["tasks"][1]["retry"]["limit"], 5);
  EXPECT_EQ(j["spec"]["tasks"][1]["retry"]["backoff"]["max"], "1m");
  EXPECT_EQ(j["spec"]["tasks"][1]["resources"]["memory"], 256 << 20);
  EXPECT_EQ(j["spec"]["tasks"][1]["timeout"], "10m");
}

// Stored specs are compared byte for byte (idempotent submit), so a spec that
// uses none of the later fields must keep the canonical JSON it had before
// forEach and outputs existed. The literals are that earlier output.
TEST(ToJsonTest, CanonicalJsonOfMinimalSpecIsUnchanged) {
  Result<JobSpec> s = ParseJobSpec(testing::MinimalSpec().dump(), BodyFormat::kJson);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(ToJson(*s).dump(),
            R"({"apiVersion":"pipegrid/v1","kind":"Job","metadata":{"externalId":null,"labels":{},)"
            R"("name":"job","namespace":"default"},"spec":{"failFast":false,"priority":0,"retry":)"
            R"({"backoff":{"factor":2.0,"initial":"1s","jitter":0.1,"max":"5m"},"limit":0,)"
            R"("lostLimit":3},"tasks":[{"dependsOn":[],"name":"a","nodeSelector":{},"resources":)"
            R"({"cpu":null,"memory":null},"retry":{"backoff":{"factor":2.0,"initial":"1s",)"
            R"("jitter":0.1,"max":"5m"},"limit":0,"lostLimit":3},"spread":false,"steps":)"
            R"([{"commands":["true"],"executor":"shell"}],"timeout":null}],"timeout":null}})");
}

TEST(ToJsonTest, CanonicalJsonOfDesignExampleIsUnchanged) {
  Result<JobSpec> s = ParseJobSpec(testing::kDesignExampleYaml, BodyFormat::kYaml);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(ToJson(*s).dump(),
            R"({"apiVersion":"pipegrid/v1","kind":"Job","metadata":{"externalId":"order-4711",)"
            R"("labels":{"team":"data"},"name":"ocr-batch","namespace":"default"},)"
            R"("spec":{"failFast":false,"priority":0,"retry":{"backoff":{"factor":2.0,)"
            R"("initial":"1s","jitter":0.2,"max":"1m"},"limit":3,"lostLimit":3},)"
            R"("tasks":[{"dependsOn":[],"name":"fetch","nodeSelector":{},"resources":{"cpu":null,)"
            R"("memory":null},"retry":{"backoff":{"factor":2.0,"initial":"1s","jitter":0.2,)"
            R"("max":"1m"},"limit":3,"lostLimit":3},"spread":false,)"
            R"("steps":[{"commands":["seq 1 3 > list.txt"],"executor":"shell"}],"timeout":null},)"
            R"({"dependsOn":["fetch"],"name":"ocr","nodeSelector":{"zone":"a"},)"
            R"("resources":{"cpu":1.0,"memory":268435456},"retry":{"backoff":{"factor":2.0,)"
            R"("initial":"1s","jitter":0.2,"max":"1m"},"limit":5,"lostLimit":3},"spread":true,)"
            R"("steps":[{"commands":["echo page $PIPEGRID_ITEM > out.txt"],"executor":"shell"}],)"
            R"("timeout":"10m"}],"timeout":"1h"}})");
}

}  // namespace
}  // namespace pipegrid::spec
