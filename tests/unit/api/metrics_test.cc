#include "api/metrics.h"

#include <gtest/gtest.h>

#include <map>

#include "common/states.h"
#include "unit/api/exposition.h"

namespace pipegrid::api {
namespace {

using ::pipegrid::api::testing::Exposition;

Exposition Parse(const std::string& text) { return testing::ParseExposition(text); }

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

TEST(MetricsTest, HistogramsAreCumulativeWithInfSumAndCount) {
  Histogram<buckets::kTaskSeconds> h;
  h.Observe(0.05);  // le 0.1
  h.Observe(0.1);   // le 0.1: bounds are inclusive
  h.Observe(2);     // le 5
  h.Observe(1e6);   // +Inf only
  MetricsSnapshot s;
  s.task_seconds["exit"] = h.Snapshot();
  Exposition e = Parse(RenderMetrics(s));
  EXPECT_EQ(e.types.at("pipegrid_task_duration_seconds"), "histogram");
  const std::string exit = "outcome=\"exit\"";
  EXPECT_EQ(e.At("pipegrid_task_duration_seconds_bucket{" + exit + ",le=\"0.1\"}"), 2);
  EXPECT_EQ(e.At("pipegrid_task_duration_seconds_bucket{" + exit + ",le=\"1\"}"), 2);
  EXPECT_EQ(e.At("pipegrid_task_duration_seconds_bucket{" + exit + ",le=\"5\"}"), 3);
  EXPECT_EQ(e.At("pipegrid_task_duration_seconds_bucket{" + exit + ",le=\"10800\"}"), 3);
  EXPECT_EQ(e.At("pipegrid_task_duration_seconds_bucket{" + exit + ",le=\"+Inf\"}"), 4);
  EXPECT_EQ(e.At("pipegrid_task_duration_seconds_count{" + exit + "}"), 4);
  EXPECT_DOUBLE_EQ(e.At("pipegrid_task_duration_seconds_sum{" + exit + "}"), 1000002.15);
  // Every outcome has its series from the start, empty ones included.
  for (Outcome o : kAllOutcomes) {
    EXPECT_TRUE(e.samples.count("pipegrid_task_duration_seconds_count{outcome=\"" +
                                std::string(Name(o)) + "\"}"))
        << Name(o);
  }
  EXPECT_EQ(e.At("pipegrid_queue_wait_seconds_count"), 0);
  EXPECT_EQ(e.At("pipegrid_queue_wait_seconds_bucket{le=\"0.005\"}"), 0);
  EXPECT_EQ(e.At("pipegrid_store_commit_seconds_bucket{le=\"0.0005\"}"), 0);
  EXPECT_EQ(e.At("pipegrid_store_commit_batches_bucket{le=\"512\"}"), 0);
}

TEST(MetricsTest, WorkersByEveryStateAndSlotsByWorker) {
  MetricsSnapshot s;
  s.workers_by_state = {{"READY", 2}};
  s.worker_slots = {{"w1", 4, 1}, {"w2", 2, 2}};
  s.ready = true;
  s.dead_letters_now = 3;
  s.http_latency = {{"/api/v1/jobs", Histogram<buckets::kHttpSeconds>().Snapshot()}};
  Exposition e = Parse(RenderMetrics(s));
  EXPECT_EQ(e.At("pipegrid_workers{state=\"READY\"}"), 2);
  for (const char* state : {"DRAINING", "LOST", "GONE"}) {
    EXPECT_EQ(e.At("pipegrid_workers{state=\"" + std::string(state) + "\"}"), 0);
  }
  EXPECT_EQ(e.At("pipegrid_worker_slots{worker=\"w1\"}"), 4);
  EXPECT_EQ(e.At("pipegrid_worker_slots_free{worker=\"w1\"}"), 1);
  EXPECT_EQ(e.At("pipegrid_worker_slots_free{worker=\"w2\"}"), 2);
  EXPECT_EQ(e.At("pipegrid_ready"), 1);
  EXPECT_EQ(e.At("pipegrid_dead_letters"), 3);
  EXPECT_EQ(e.types.at("pipegrid_dead_letters"), "gauge");
  EXPECT_EQ(e.types.at("pipegrid_dead_letters_total"), "counter");
  EXPECT_EQ(e.At("pipegrid_http_request_duration_seconds_count{route=\"/api/v1/jobs\"}"), 0);
}

TEST(MetricsTest, InfluxLinesCarryTheSameFigures) {
  MetricsSnapshot s;
  s.jobs_by_state = {{"RUNNING", 2}};
  s.submits = 5;
  s.worker_slots = {{"w 1,a=b", 4, 1}};
  Histogram<buckets::kQueueWaitSeconds> h;
  h.Observe(0.2);
  h.Observe(7);
  s.queue_wait = h.Snapshot();
  std::string lines = RenderInfluxLines(s);
  auto has = [&](const std::string& line) {
    EXPECT_NE(lines.find("\n" + line + "\n"), std::string::npos) << line << "\nin:\n" << lines;
  };
  has("pipegrid_jobs,state=RUNNING value=2");
  has("pipegrid_jobs,state=FAILED value=0");
  has("pipegrid_submits_total value=5");
  has("pipegrid_worker_slots,worker=w\\ 1\\,a\\=b value=4");
  has("pipegrid_queue_wait_seconds count=2,sum=7.2,0.005=0,0.01=0,0.05=0,0.1=0,0.5=1,1=1,5=1,"
      "10=2,30=2,60=2,300=2,900=2,3600=2,+Inf=2");
  has("pipegrid_ready value=0");
  EXPECT_EQ(lines.rfind("pipegrid_jobs,state=PENDING value=0\n", 0), 0u);
}

TEST(RequestLatencyTest, ByRouteSorted) {
  RequestLatency latency;
  latency.Observe("/b", 0.002);
  latency.Observe("/a", 20);
  latency.Observe("/b", 0.5);
  auto snap = latency.Snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].first, "/a");
  EXPECT_EQ(snap[0].second.count(), 1u);
  EXPECT_EQ(snap[0].second.counts.back(), 1u);  // past the last bound
  EXPECT_EQ(snap[1].first, "/b");
  EXPECT_EQ(snap[1].second.count(), 2u);
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
