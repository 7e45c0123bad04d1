// deploy/prometheus/: what promtool cannot know. The alert rules select the
// scrape job prometheus.yml defines and name only contract metrics; every
// alert carries what Alertmanager routing and the on-call need; and
// alerts_test.yml shows every alert both firing and quiet. promtool itself
// checks syntax and runs those unit tests (check_promtool.sh).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "deploy/deploy_files.h"
#include "deploy/metric_contract.h"
#include "deploy/promql_names.h"

namespace pipegrid::deploy {
namespace {

constexpr const char* kJobSelector = "job=\"pipegrid\"";

YAML::Node Load(const char* relative) {
  Result<YAML::Node> node = LoadDeployYaml(relative);
  EXPECT_TRUE(node.ok()) << node.status().ToString();
  return node.ok() ? *node : YAML::Node();
}

std::string Str(const YAML::Node& node) { return node.IsScalar() ? node.as<std::string>() : ""; }

class AlertRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = Load("prometheus/prometheus.yml");
    YAML::Node rules = Load("prometheus/alerts.yml");
    unit_tests_ = Load("prometheus/alerts_test.yml");
    ASSERT_TRUE(rules["groups"].IsSequence());
    for (const YAML::Node& group : rules["groups"]) {
      for (const YAML::Node& rule : group["rules"]) {
        if (rule["alert"]) alerts_[Str(rule["alert"])] = rule;
      }
    }
    ASSERT_FALSE(alerts_.empty());
  }

  YAML::Node config_;
  YAML::Node unit_tests_;
  std::map<std::string, YAML::Node> alerts_;  // by alert name
};

TEST_F(AlertRulesTest, ScrapeConfigTargetsTheMasterAndLoadsTheRules) {
  bool found = false;
  for (const YAML::Node& job : config_["scrape_configs"]) {
    if (Str(job["job_name"]) != "pipegrid") continue;
    found = true;
    EXPECT_EQ(Str(job["metrics_path"]), "/metrics");
    EXPECT_EQ(Str(job["static_configs"][0]["targets"][0]), "127.0.0.1:8080");
  }
  EXPECT_TRUE(found) << "no scrape job named pipegrid";
  ASSERT_TRUE(config_["rule_files"].IsSequence());
  EXPECT_EQ(Str(config_["rule_files"][0]), "alerts.yml");
}

TEST_F(AlertRulesTest, TheIssuesAlertsWatchTheirMetrics) {
  const std::map<std::string, std::string> expected = {
      {"PipegridWorkersLost", "pipegrid_workers"},
      {"PipegridDeadLettersGrowing", "pipegrid_dead_letters_total"},
      {"PipegridQueueWaitHigh", "pipegrid_queue_wait_seconds_bucket"},
      {"PipegridMasterNotReady", "pipegrid_ready"},
      {"PipegridMasterDown", "up"},
  };
  for (const auto& [alert, metric] : expected) {
    ASSERT_TRUE(alerts_.contains(alert)) << alert;
    Result<std::set<std::string>> names = MetricNamesIn(Str(alerts_[alert]["expr"]));
    ASSERT_TRUE(names.ok()) << names.status().ToString();
    EXPECT_TRUE(names->contains(metric)) << alert << " does not watch " << metric;
  }
}

TEST_F(AlertRulesTest, EveryAlertHasForSeverityAndAnnotations) {
  for (const auto& [name, rule] : alerts_) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(Str(rule["for"]).empty());
    EXPECT_THAT(Str(rule["labels"]["severity"]), ::testing::AnyOf("warning", "critical"));
    EXPECT_FALSE(Str(rule["annotations"]["summary"]).empty());
    EXPECT_FALSE(Str(rule["annotations"]["description"]).empty());
  }
}

TEST_F(AlertRulesTest, ExpressionsSelectThePipegridJobAndContractMetrics) {
  for (const auto& [name, rule] : alerts_) {
    std::string expr = Str(rule["expr"]);
    SCOPED_TRACE(name + ": " + expr);
    EXPECT_NE(expr.find(kJobSelector), std::string::npos);
    Result<std::set<std::string>> names = MetricNamesIn(expr);
    ASSERT_TRUE(names.ok()) << names.status().ToString();
    for (const std::string& metric : *names) {
      // `up` is Prometheus' own series for the scrape of each target.
      EXPECT_TRUE(metric == "up" || ContractMetricOf(metric).has_value()) << metric;
    }
  }
}

TEST_F(AlertRulesTest, UnitTestsShowEveryAlertFiringAndQuiet) {
  ASSERT_TRUE(unit_tests_["rule_files"].IsSequence());
  EXPECT_EQ(Str(unit_tests_["rule_files"][0]), "alerts.yml");
  std::set<std::string> fired, quiet;
  for (const YAML::Node& test : unit_tests_["tests"]) {
    for (const YAML::Node& check : test["alert_rule_test"]) {
      std::string alert = Str(check["alertname"]);
      EXPECT_TRUE(alerts_.contains(alert)) << "a test of an unknown alert: " << alert;
      const YAML::Node& expected = check["exp_alerts"];
      (expected && expected.size() > 0 ? fired : quiet).insert(alert);
    }
  }
  for (const auto& [name, rule] : alerts_) {
    EXPECT_TRUE(fired.contains(name)) << name << " is never tested firing";
    EXPECT_TRUE(quiet.contains(name)) << name << " is never tested quiet";
  }
}

}  // namespace
}  // namespace pipegrid::deploy
