// Specs that parse: the exact values they produce, defaults, YAML scalars and
// the retry merge.
#include <gtest/gtest.h>

#include "spec/job_spec.h"
#include "support/test_util.h"
#include "unit/spec/samples.h"

namespace pipegrid::spec {
namespace {

using ::pipegrid::testing::IsOk;
using testing::kDesignExampleJson;
using testing::kDesignExampleYaml;
using testing::MinimalSpec;

JobSpec MustParse(std::string_view body, BodyFormat format) {
  Result<JobSpec> r = ParseJobSpec(body, format);
  EXPECT_THAT(r, IsOk());
  return r.ok() ? *r : JobSpec{};
}

TEST(ParseJobSpecTest, DesignExampleHasExactValues) {
  JobSpec s = MustParse(kDesignExampleYaml, BodyFormat::kYaml);
  EXPECT_EQ(s.name, "ocr-batch");
  EXPECT_EQ(s.namespace_, "default");
  EXPECT_EQ(s.external_id, "order-4711");
  EXPECT_EQ(s.labels, (std::map<std::string, std::string>{{"team", "data"}}));
  EXPECT_EQ(s.priority, 0);
  EXPECT_EQ(s.timeout, Millis(3600'000));
  EXPECT_FALSE(s.fail_fast);
  EXPECT_FALSE(s.legacy);

  RetryPolicy job_retry{
      .limit = 3,
      .lost_limit = 3,
      .backoff = {.initial = Millis(1000), .factor = 2, .max = Millis(60'000), .jitter = 0.2}};
  EXPECT_EQ(s.retry, job_retry);

  ASSERT_EQ(s.tasks.size(), 2u);
  const Task& fetch = s.tasks[0];
  EXPECT_EQ(fetch.name, "fetch");
  EXPECT_TRUE(fetch.depends_on.empty());
  ASSERT_EQ(fetch.steps.size(), 1u);
  EXPECT_EQ(fetch.steps[0].executor, "shell");
  EXPECT_EQ(fetch.steps[0].commands, std::vector<std::string>{"seq 1 3 > list.txt"});
  EXPECT_EQ(fetch.retry, job_retry);
  EXPECT_EQ(fetch.timeout, std::nullopt);
  EXPECT_EQ(fetch.cpu, 0);
  EXPECT_EQ(fetch.memory, 0);

  const Task& ocr = s.tasks[1];
  EXPECT_EQ(ocr.name, "ocr");
  EXPECT_EQ(ocr.depends_on, std::vector<std::string>{"fetch"});
  EXPECT_EQ(ocr.cpu, 1.0);
  EXPECT_EQ(ocr.memory, 256LL << 20);
  EXPECT_EQ(ocr.node_selector, (std::map<std::string, std::string>{{"zone", "a"}}));
  EXPECT_TRUE(ocr.spread);
  EXPECT_EQ(ocr.timeout, Millis(600'000));
  RetryPolicy ocr_retry = job_retry;
  ocr_retry.limit = 5;
  EXPECT_EQ(ocr.retry, ocr_retry);
  ASSERT_EQ(ocr.steps.size(), 1u);
  EXPECT_EQ(ocr.steps[0].executor, "shell");
  EXPECT_EQ(ocr.steps[0].commands, std::vector<std::string>{"echo page $PIPEGRID_ITEM > out.txt"});
}

TEST(ParseJobSpecTest, JsonAndYamlGiveTheSameSpec) {
  JobSpec from_yaml = MustParse(kDesignExampleYaml, BodyFormat::kYaml);
  JobSpec from_json = MustParse(kDesignExampleJson, BodyFormat::kJson);
  EXPECT_EQ(from_yaml, from_json);
  EXPECT_EQ(from_yaml.tasks.size(), 2u);
}

TEST(ParseJobSpecTest, JsonIsAlsoYaml) {
  // YAML is a superset of JSON and YAML is the default content type: a JSON
  // body sent without a content type must still work.
  EXPECT_EQ(MustParse(kDesignExampleJson, BodyFormat::kYaml),
            MustParse(kDesignExampleJson, BodyFormat::kJson));
}

TEST(ParseJobSpecTest, OmittedFieldsTakeDesignDefaults) {
  JobSpec s = MustParse(MinimalSpec().dump(), BodyFormat::kJson);
  EXPECT_EQ(s.name, "job");
  EXPECT_EQ(s.namespace_, "default");
  EXPECT_EQ(s.external_id, "");
  EXPECT_TRUE(s.labels.empty());
  EXPECT_EQ(s.priority, 0);
  EXPECT_EQ(s.timeout, std::nullopt);
  EXPECT_FALSE(s.fail_fast);
  EXPECT_EQ(s.retry.limit, 0);
  EXPECT_EQ(s.retry.lost_limit, 3);
  EXPECT_EQ(s.retry.backoff.initial, Millis(1000));
  EXPECT_EQ(s.retry.backoff.factor, 2.0);
  EXPECT_EQ(s.retry.backoff.max, Millis(300'000));
  EXPECT_EQ(s.retry.backoff.jitter, 0.1);
  ASSERT_EQ(s.tasks.size(), 1u);
  EXPECT_EQ(s.tasks[0].retry, s.retry);
  EXPECT_EQ(s.tasks[0].steps[0].executor, "shell");
  EXPECT_FALSE(s.tasks[0].spread);
  EXPECT_TRUE(s.tasks[0].node_selector.empty());
}

TEST(ParseJobSpecTest, YamlScalarsAreReadAsTheFieldNeeds) {
  JobSpec s = MustParse(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: "2024.run", namespace: team-7, labels: {tier: 1}}
spec:
  priority: -5
  failFast: true
  retry: {limit: 2, backoff: {factor: 2.5, jitter: 0}}
  tasks:
    - name: 007
      steps: [{executor: tool-1, commands: [5, true, "echo hi"]}]
      resources: {cpu: 0.25, memory: 1024}
      spread: True
)",
                        BodyFormat::kYaml);
  EXPECT_EQ(s.name, "2024.run");
  EXPECT_EQ(s.namespace_, "team-7");
  EXPECT_EQ(s.labels.at("tier"), "1");
  EXPECT_EQ(s.priority, -5);
  EXPECT_TRUE(s.fail_fast);
  EXPECT_EQ(s.retry.limit, 2);
  EXPECT_EQ(s.retry.backoff.factor, 2.5);
  EXPECT_EQ(s.retry.backoff.jitter, 0.0);
  ASSERT_EQ(s.tasks.size(), 1u);
  // A name that looks like a number stays the text the user wrote.
  EXPECT_EQ(s.tasks[0].name, "007");
  EXPECT_EQ(s.tasks[0].steps[0].executor, "tool-1");
  EXPECT_EQ(s.tasks[0].steps[0].commands, (std::vector<std::string>{"5", "true", "echo hi"}));
  EXPECT_EQ(s.tasks[0].cpu, 0.25);
  EXPECT_EQ(s.tasks[0].memory, 1024);
  EXPECT_TRUE(s.tasks[0].spread);
}

TEST(ParseJobSpecTest, TaskRetryOverridesJobRetryFieldByField) {
  JobSpec s = MustParse(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: j}
spec:
  retry: {limit: 3, backoff: {max: 1m, factor: 3}}
  tasks:
    - name: inherits
      steps: [{commands: [a]}]
    - name: overrides
      retry: {limit: 5, lostLimit: 0, backoff: {initial: 250ms, jitter: 0.5}}
      steps: [{commands: [b]}]
)",
                        BodyFormat::kYaml);
  RetryPolicy job{
      .limit = 3,
      .lost_limit = 3,
      .backoff = {.initial = Millis(1000), .factor = 3, .max = Millis(60'000), .jitter = 0.1}};
  EXPECT_EQ(s.retry, job);
  EXPECT_EQ(s.tasks[0].retry, job);
  RetryPolicy merged{
      .limit = 5,
      .lost_limit = 0,
      .backoff = {.initial = Millis(250), .factor = 3, .max = Millis(60'000), .jitter = 0.5}};
  EXPECT_EQ(s.tasks[1].retry, merged);
}

TEST(ParseJobSpecTest, CpuAcceptsCoresAndMillicores) {
  struct Case {
    nlohmann::json cpu;
    double want;
  };
  for (const Case& c :
       {Case{2, 2.0}, Case{0.5, 0.5}, Case{"500m", 0.5}, Case{"1.5", 1.5}, Case{"4", 4.0}}) {
    nlohmann::json spec = MinimalSpec();
    spec["spec"]["tasks"][0]["resources"] = {{"cpu", c.cpu}};
    Result<JobSpec> r = ParseJobSpec(spec.dump(), BodyFormat::kJson);
    ASSERT_THAT(r, IsOk()) << c.cpu;
    EXPECT_EQ(r->tasks[0].cpu, c.want) << c.cpu;
  }
}

TEST(ParseJobSpecTest, MemoryAcceptsSizesAndBytes) {
  struct Case {
    nlohmann::json memory;
    int64_t want;
  };
  for (const Case& c : {Case{"256Mi", 256LL << 20}, Case{"1Gi", 1LL << 30},
                        Case{"500M", 500'000'000}, Case{4096, 4096}}) {
    nlohmann::json spec = MinimalSpec();
    spec["spec"]["tasks"][0]["resources"] = {{"memory", c.memory}};
    Result<JobSpec> r = ParseJobSpec(spec.dump(), BodyFormat::kJson);
    ASSERT_THAT(r, IsOk()) << c.memory;
    EXPECT_EQ(r->tasks[0].memory, c.want) << c.memory;
  }
}

TEST(ParseJobSpecTest, NullMeansNotSet) {
  nlohmann::json spec = MinimalSpec();
  spec["metadata"]["externalId"] = nullptr;
  spec["spec"]["timeout"] = nullptr;
  spec["spec"]["tasks"][0]["timeout"] = nullptr;
  spec["spec"]["tasks"][0]["resources"] = {{"cpu", nullptr}, {"memory", nullptr}};
  JobSpec s = MustParse(spec.dump(), BodyFormat::kJson);
  EXPECT_EQ(s.external_id, "");
  EXPECT_EQ(s.timeout, std::nullopt);
  EXPECT_EQ(s.tasks[0].timeout, std::nullopt);
  EXPECT_EQ(s.tasks[0].cpu, 0);
}

TEST(ParseJobSpecTest, NamesAtTheirLengthLimitsAreAccepted) {
  nlohmann::json spec = MinimalSpec();
  spec["metadata"]["name"] = std::string(253, 'j');
  spec["metadata"]["namespace"] = "a" + std::string(61, '-') + "z";
  spec["metadata"]["externalId"] = std::string(256, '~');
  spec["metadata"]["labels"] = {{"pipegrid.io/" + std::string(51, 'k'), std::string(256, 'v')}};
  spec["spec"]["tasks"][0]["name"] = std::string(63, 't');
  JobSpec s = MustParse(spec.dump(), BodyFormat::kJson);
  EXPECT_EQ(s.name.size(), 253u);
  EXPECT_EQ(s.tasks[0].name.size(), 63u);
}

TEST(ParseJobSpecTest, NodeSelectorTakesBuiltInWorkerLabels) {
  nlohmann::json spec = MinimalSpec();
  spec["spec"]["tasks"][0]["nodeSelector"] = {{"pipegrid.io/zone", "eu-1"},
                                              {"pipegrid.io/worker", "w1"}};
  JobSpec s = MustParse(spec.dump(), BodyFormat::kJson);
  EXPECT_EQ(s.tasks[0].node_selector.at("pipegrid.io/zone"), "eu-1");
  EXPECT_EQ(s.tasks[0].node_selector.at("pipegrid.io/worker"), "w1");
}

TEST(ParseJobSpecTest, StepsKeepTheirOrder) {
  JobSpec s = MustParse(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: j}
spec:
  tasks:
    - name: t
      steps:
        - {executor: wget, commands: [one, two]}
        - {commands: [three]}
        - {executor: ocr, commands: [four]}
)",
                        BodyFormat::kYaml);
  const std::vector<Step>& steps = s.tasks[0].steps;
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0], (Step{"wget", {"one", "two"}}));
  EXPECT_EQ(steps[1], (Step{"shell", {"three"}}));
  EXPECT_EQ(steps[2], (Step{"ocr", {"four"}}));
}

}  // namespace
}  // namespace pipegrid::spec
