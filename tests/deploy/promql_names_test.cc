// The PromQL scanner the deploy tests rely on: if it misses a metric name or
// takes a label for one, the dashboard and alert checks mean nothing.
#include "deploy/promql_names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "deploy/metric_contract.h"
#include "support/test_util.h"

namespace pipegrid::deploy {
namespace {

using ::pipegrid::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Optional;

std::set<std::string> Names(std::string_view expr) {
  Result<std::set<std::string>> names = MetricNamesIn(expr);
  EXPECT_TRUE(names.ok()) << names.status().ToString();
  return names.ok() ? *names : std::set<std::string>{};
}

TEST(PromqlNamesTest, FindsSelectorsInsideFunctionsAndAggregations) {
  EXPECT_THAT(Names(R"(sum by (state) (rate(pipegrid_jobs{job="pipegrid"}[5m])))"),
              ElementsAre("pipegrid_jobs"));
  EXPECT_THAT(Names("histogram_quantile (0.9, sum by (le) (rate(x_bucket[5m])))"),
              ElementsAre("x_bucket"));
}

TEST(PromqlNamesTest, BareNamesAndBinaryOperations) {
  EXPECT_THAT(Names("up == 0"), ElementsAre("up"));
  EXPECT_THAT(Names("1 - free / total"), ElementsAre("free", "total"));
}

TEST(PromqlNamesTest, LabelMatchersStringsAndVariablesAreSkipped) {
  // A brace and a metric-like word inside a label value must not count.
  EXPECT_THAT(Names(R"(rate(pipegrid_http_requests_total{route="/jobs/{id}", )"
                    R"(code=~"5..", instance=~"$instance"}[$__rate_interval]))"),
              ElementsAre("pipegrid_http_requests_total"));
  EXPECT_THAT(Names(R"q(label_replace(a, "dst", "fake_metric", "src", "(.*)"))q"),
              ElementsAre("a"));
  EXPECT_THAT(Names("sum(a{instance=~\"${instance:regex}\"})"), ElementsAre("a"));
}

TEST(PromqlNamesTest, GroupingListsHoldLabelsNotMetrics) {
  EXPECT_THAT(Names("sum(a) by (worker) / on (worker) group_left (zone) b"), ElementsAre("a", "b"));
  EXPECT_THAT(Names("sum without (instance, job) (a)"), ElementsAre("a"));
}

TEST(PromqlNamesTest, KeywordsNumbersAndDurationsAreNotMetrics) {
  EXPECT_THAT(Names("a > bool 0.9 and b offset 1h30m unless c"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Names("max_over_time(a[1h:5m]) > 1e3 or vector(0)"), ElementsAre("a"));
}

TEST(PromqlNamesTest, MalformedExpressionsAreErrors) {
  EXPECT_THAT(MetricNamesIn(R"(a{job="x})"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MetricNamesIn("sum(rate(a[5m])"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MetricNamesIn("sum(a))"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MetricNamesIn("a{job=\"x\""), StatusIs(StatusCode::kInvalidArgument));
}

TEST(MetricContractTest, HistogramSeriesBelongToTheirMetric) {
  EXPECT_THAT(ContractMetricOf("pipegrid_queue_wait_seconds_bucket"),
              Optional(std::string("pipegrid_queue_wait_seconds")));
  EXPECT_THAT(ContractMetricOf("pipegrid_store_commit_batches_sum"),
              Optional(std::string("pipegrid_store_commit_batches")));
  EXPECT_THAT(ContractMetricOf("pipegrid_jobs"), Optional(std::string("pipegrid_jobs")));
  // Only histograms have _bucket/_sum/_count series.
  EXPECT_EQ(ContractMetricOf("pipegrid_jobs_count"), std::nullopt);
  EXPECT_EQ(ContractMetricOf("pipegrid_job"), std::nullopt);
  EXPECT_EQ(ContractMetricOf("up"), std::nullopt);
}

}  // namespace
}  // namespace pipegrid::deploy
