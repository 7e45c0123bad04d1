#include "api/metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "common/states.h"

namespace pipegrid::api {
namespace {

// A strict reader of the Prometheus text format 0.0.4: fails the test on any
// line a scraper would reject, and returns the samples keyed by
// `name{label="value",...}` as written.
struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter|gauge
  std::map<std::string, double> samples;
};

Exposition Parse(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|untyped))");
  static const std::regex kSample(
      R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?))re");
  Exposition out;
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::set<std::string> helped;
  std::set<std::string> finished_families;  // families whose samples are over
  std::string current;                      // family of the latest TYPE line
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "second HELP for " << m[1];
    } else if (std::regex_match(line, m, kType)) {
      EXPECT_TRUE(helped.count(m[1])) << "TYPE before HELP for " << m[1];
      EXPECT_TRUE(out.types.emplace(m[1], m[2]).second) << "second TYPE for " << m[1];
      if (!current.empty()) finished_families.insert(current);
      current = m[1];
    } else if (std::regex_match(line, m, kSample)) {
      std::string name = m[1];
      EXPECT_EQ(name, current) << "sample outside its family: " << line;
      EXPECT_FALSE(finished_families.count(name)) << "family split: " << line;
      std::string series = line.substr(0, line.rfind(' '));
      double value = std::stod(line.substr(line.rfind(' ') + 1));
      EXPECT_TRUE(out.samples.emplace(series, value).second) << "duplicate series " << series;
    } else {
      ADD_FAILURE() << "not a valid exposition line: \"" << line << "\"";
    }
  }
  return out;
}

TEST(MetricsTest, RendersEveryStateAndOutcomeWithZeros) {
  MetricsSnapshot s;
  s.jobs_by_state = {{"RUNNING", 2}, {"SUCCEEDED", 7}};
  s.tasks_by_state = {{"QUEUED", 3}};
  s.attempts_by_outcome = {{"exit", 4}, {"", 1}};  // "": unfinished, not an outcome
  Exposition e = Parse(RenderMetrics(s));

  for (JobState st : kAllJobStates) {
    EXPECT_TRUE(e.samples.count("pipegrid_jobs{state=\"" + std::string(Name(st)) + "\"}"))
        << Name(st);
  }
  for (TaskState st : kAllTaskStates) {
    EXPECT_TRUE(e.samples.count("pipegrid_tasks{state=\"" + std::string(Name(st)) + "\"}"))
        << Name(st);
  }
  for (Outcome o : kAllOutcomes) {
    EXPECT_TRUE(
        e.samples.count("pipegrid_attempts_total{outcome=\"" + std::string(Name(o)) + "\"}"))
        << Name(o);
  }
  EXPECT_EQ(e.samples.at("pipegrid_jobs{state=\"RUNNING\"}"), 2);
  EXPECT_EQ(e.samples.at("pipegrid_jobs{state=\"SUCCEEDED\"}"), 7);
  EXPECT_EQ(e.samples.at("pipegrid_jobs{state=\"FAILED\"}"), 0);
  EXPECT_EQ(e.samples.at("pipegrid_tasks{state=\"QUEUED\"}"), 3);
  EXPECT_EQ(e.samples.at("pipegrid_attempts_total{outcome=\"exit\"}"), 4);
  EXPECT_EQ(e.samples.count("pipegrid_attempts_total{outcome=\"\"}"), 0u);
}

TEST(MetricsTest, SchedulerCountersAndTypes) {
  MetricsSnapshot s;
  s.submits = 11;
  s.attempts_started = 13;
  s.retries = 2;
  s.dead_letters = 1;
  s.queue_depth = 5;
  Exposition e = Parse(RenderMetrics(s));
  EXPECT_EQ(e.samples.at("pipegrid_submits_total"), 11);
  EXPECT_EQ(e.samples.at("pipegrid_attempts_started_total"), 13);
  EXPECT_EQ(e.samples.at("pipegrid_retries_total"), 2);
  EXPECT_EQ(e.samples.at("pipegrid_dead_letters_total"), 1);
  EXPECT_EQ(e.samples.at("pipegrid_queue_depth"), 5);
  EXPECT_EQ(e.types.at("pipegrid_jobs"), "gauge");
  EXPECT_EQ(e.types.at("pipegrid_tasks"), "gauge");
  EXPECT_EQ(e.types.at("pipegrid_queue_depth"), "gauge");
  EXPECT_EQ(e.types.at("pipegrid_attempts_total"), "counter");
  EXPECT_EQ(e.types.at("pipegrid_submits_total"), "counter");
  EXPECT_EQ(e.types.at("pipegrid_http_requests_total"), "counter");
}

TEST(MetricsTest, HttpRequestsByRouteAndCodeWithEscapedLabels) {
  MetricsSnapshot s;
  s.http_requests = {
      {"/api/v1/jobs/{id}", 200, 3}, {"/api/v1/jobs/{id}", 404, 1}, {"odd\"route\\\n", 500, 2}};
  Exposition e = Parse(RenderMetrics(s));
  EXPECT_EQ(e.samples.at("pipegrid_http_requests_total{route=\"/api/v1/jobs/{id}\",code=\"200\"}"),
            3);
  EXPECT_EQ(e.samples.at("pipegrid_http_requests_total{route=\"/api/v1/jobs/{id}\",code=\"404\"}"),
            1);
  EXPECT_EQ(
      e.samples.at("pipegrid_http_requests_total{route=\"odd\\\"route\\\\\\n\",code=\"500\"}"), 2);
}

TEST(MetricsTest, EscapeLabelValue) {
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(RequestStatsTest, CountsByRouteAndCode) {
  RequestStats stats;
  stats.Add("/b", 200);
  stats.Add("/a", 404);
  stats.Add("/b", 200);
  std::vector<RequestCount> snap = stats.Snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].route, "/a");
  EXPECT_EQ(snap[0].code, 404);
  EXPECT_EQ(snap[0].count, 1u);
  EXPECT_EQ(snap[1].route, "/b");
  EXPECT_EQ(snap[1].count, 2u);
}

}  // namespace
}  // namespace pipegrid::api
