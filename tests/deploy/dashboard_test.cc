// deploy/grafana/pipegrid-dashboard.json: a Grafana dashboard (schema 38)
// over a Prometheus datasource variable, whose every query selects the
// pipegrid scrape job and names only metrics of the contract, and which
// shows every metric of the contract somewhere. promtool checks the PromQL
// syntax of the same queries (tests/deploy/check_promtool.sh dashboard).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "deploy/deploy_files.h"
#include "deploy/metric_contract.h"
#include "deploy/promql_names.h"

namespace pipegrid::deploy {
namespace {

using nlohmann::json;

constexpr const char* kDashboard = "grafana/pipegrid-dashboard.json";
constexpr const char* kDatasourceRef = "${datasource}";

// Panels at the top level and inside (collapsed) rows, rows themselves last.
std::vector<json> AllPanels(const json& dashboard) {
  std::vector<json> panels;
  std::vector<json> rows;
  for (const json& p : dashboard.value("panels", json::array())) {
    (p.value("type", "") == "row" ? rows : panels).push_back(p);
    for (const json& nested : p.value("panels", json::array())) panels.push_back(nested);
  }
  panels.insert(panels.end(), rows.begin(), rows.end());
  return panels;
}

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<json> loaded = LoadDeployJson(kDashboard);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    dashboard_ = *loaded;
    for (const json& p : AllPanels(dashboard_)) {
      if (p.value("type", "") != "row") panels_.push_back(p);
    }
    ASSERT_FALSE(panels_.empty());
  }

  // Every PromQL query: panel targets and query variables (label_values(X, l)
  // queries X).
  std::vector<std::string> Queries() const {
    std::vector<std::string> queries;
    for (const json& p : panels_) {
      for (const json& t : p.value("targets", json::array()))
        queries.push_back(t.value("expr", ""));
    }
    for (const json& v : dashboard_["templating"]["list"]) {
      if (v.value("type", "") != "query") continue;
      std::string q = v["query"].is_object() ? v["query"].value("query", "") : v.value("query", "");
      const std::string prefix = "label_values(";
      if (q.rfind(prefix, 0) == 0 && q.back() == ')') {
        q = q.substr(prefix.size(), q.rfind(',') - prefix.size());
      }
      queries.push_back(q);
    }
    return queries;
  }

  json dashboard_;
  std::vector<json> panels_;  // without rows
};

TEST_F(DashboardTest, IsAGrafanaDashboardWithAPrometheusDatasourceVariable) {
  EXPECT_GE(dashboard_.value("schemaVersion", 0), 36);
  EXPECT_LE(dashboard_.value("schemaVersion", 0), 39);
  EXPECT_EQ(dashboard_.value("uid", ""), "pipegrid");
  EXPECT_FALSE(dashboard_.value("title", "").empty());
  const json& vars = dashboard_["templating"]["list"];
  auto ds = std::find_if(vars.begin(), vars.end(),
                         [](const json& v) { return v.value("type", "") == "datasource"; });
  ASSERT_NE(ds, vars.end()) << "no datasource variable";
  EXPECT_EQ((*ds).value("name", ""), "datasource");
  EXPECT_EQ((*ds).value("query", ""), "prometheus");
}

TEST_F(DashboardTest, EveryPanelQueriesThroughTheDatasourceVariable) {
  for (const json& p : panels_) {
    SCOPED_TRACE(p.value("title", "?"));
    EXPECT_EQ(p["datasource"].value("type", ""), "prometheus");
    EXPECT_EQ(p["datasource"].value("uid", ""), kDatasourceRef);
    ASSERT_TRUE(p.contains("targets") && !p["targets"].empty());
    std::set<std::string> ref_ids;
    for (const json& t : p["targets"]) {
      EXPECT_FALSE(t.value("expr", "").empty());
      EXPECT_TRUE(ref_ids.insert(t.value("refId", "")).second) << "duplicate refId";
      if (t.contains("datasource")) {
        EXPECT_EQ(t["datasource"].value("uid", ""), kDatasourceRef);
      }
    }
  }
}

TEST_F(DashboardTest, PanelIdsAreUniqueAndTheLayoutDoesNotOverlap) {
  std::set<int> ids;
  std::map<std::pair<int, int>, std::string> cells;  // (x, y) -> panel title
  for (const json& p : AllPanels(dashboard_)) {
    std::string title = p.value("title", "?");
    EXPECT_TRUE(ids.insert(p.value("id", -1)).second) << "duplicate id: " << title;
    const json& g = p["gridPos"];
    int x = g.value("x", -1), y = g.value("y", -1), w = g.value("w", 0), h = g.value("h", 0);
    ASSERT_TRUE(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24) << title << ": " << g;
    for (int cx = x; cx < x + w; ++cx) {
      for (int cy = y; cy < y + h; ++cy) {
        auto [it, fresh] = cells.emplace(std::pair{cx, cy}, title);
        EXPECT_TRUE(fresh) << title << " overlaps " << it->second;
      }
    }
  }
}

TEST_F(DashboardTest, EveryQueryNamesOnlyContractMetricsOfThePipegridJob) {
  for (const std::string& q : Queries()) {
    SCOPED_TRACE(q);
    Result<std::set<std::string>> names = MetricNamesIn(q);
    ASSERT_TRUE(names.ok()) << names.status().ToString();
    EXPECT_FALSE(names->empty()) << "a query that selects no metric";
    for (const std::string& name : *names) {
      EXPECT_TRUE(ContractMetricOf(name).has_value()) << name << " is not a pipegrid metric";
    }
    // The scrape job of deploy/prometheus/prometheus.yml.
    EXPECT_NE(q.find("job=\"pipegrid\""), std::string::npos);
  }
}

TEST_F(DashboardTest, EveryContractMetricIsShown) {
  std::set<std::string> shown;
  for (const std::string& q : Queries()) {
    Result<std::set<std::string>> names = MetricNamesIn(q);
    ASSERT_TRUE(names.ok()) << names.status().ToString();
    for (const std::string& name : *names) {
      if (auto metric = ContractMetricOf(name)) shown.insert(*metric);
    }
  }
  for (const MetricSpec& m : kMetricContract) {
    EXPECT_TRUE(shown.contains(std::string(m.name))) << m.name << " has no panel";
  }
}

}  // namespace
}  // namespace pipegrid::deploy
