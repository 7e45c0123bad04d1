// /metrics after real work, parsed strictly, and the same figures pushed to
// an in-test InfluxDB stand-in.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/api/exposition.h"
#include "unit/api/live_fixture.h"
#include "unit/api/recording_server.h"

namespace pipegrid::api {
namespace {

using ::pipegrid::api::testing::Exposition;
using ::pipegrid::api::testing::RecordingServer;
using ::pipegrid::testing::StatusIs;
using ::testing::HasSubstr;

class LiveMetricsTest : public testing::LiveApiTest {
 protected:
  Exposition Scrape() {
    testing::ClientResponse res = testing::Get(port(), "/metrics");
    EXPECT_EQ(res.result(), http::status::ok);
    return testing::ParseExposition(res.body());
  }
};

TEST_F(LiveMetricsTest, FiguresMoveAfterAJobRuns) {
  Exposition before = Scrape();
  EXPECT_EQ(before.At("pipegrid_ready"), 1);
  EXPECT_EQ(before.At("pipegrid_workers{state=\"READY\"}"), 1);
  EXPECT_EQ(before.At("pipegrid_workers{state=\"LOST\"}"), 0);
  EXPECT_EQ(before.At("pipegrid_worker_slots{worker=\"w1\"}"), 2);

  std::string id = Submit("echo hi");
  WaitFinished(id);
  Exposition after = Scrape();

  auto moved = [&](const std::string& series) { return after.At(series) - before.At(series); };
  EXPECT_EQ(moved("pipegrid_submits_total"), 1);
  EXPECT_EQ(moved("pipegrid_attempts_started_total"), 1);
  EXPECT_EQ(moved("pipegrid_attempts_total{outcome=\"succeeded\"}"), 1);
  EXPECT_EQ(moved("pipegrid_jobs{state=\"SUCCEEDED\"}"), 1);
  EXPECT_EQ(moved("pipegrid_tasks{state=\"SUCCEEDED\"}"), 1);
  EXPECT_EQ(moved("pipegrid_task_duration_seconds_count{outcome=\"succeeded\"}"), 1);
  EXPECT_EQ(moved("pipegrid_task_duration_seconds_bucket{outcome=\"succeeded\",le=\"+Inf\"}"), 1);
  EXPECT_GT(after.At("pipegrid_task_duration_seconds_sum{outcome=\"succeeded\"}"), 0);
  EXPECT_EQ(moved("pipegrid_task_duration_seconds_count{outcome=\"exit\"}"), 0);
  EXPECT_EQ(moved("pipegrid_queue_wait_seconds_count"), 1);
  // The submit (with the assignment) is committed before the attempt can
  // start; the attempt's start and end may share the next commit.
  EXPECT_GE(moved("pipegrid_store_commit_seconds_count"), 2);
  EXPECT_EQ(after.At("pipegrid_store_commit_seconds_count"),
            after.At("pipegrid_store_commit_batches_count"));
  EXPECT_GE(after.At("pipegrid_store_commit_batches_sum"),
            after.At("pipegrid_store_commit_batches_count"));
  EXPECT_EQ(after.At("pipegrid_http_request_duration_seconds_count{route=\"/api/v1/jobs\"}"), 1);
  EXPECT_EQ(after.At("pipegrid_http_requests_total{route=\"/api/v1/jobs\",code=\"201\"}"), 1);
  EXPECT_EQ(after.At("pipegrid_worker_slots_free{worker=\"w1\"}"), 2);
  EXPECT_EQ(after.At("pipegrid_queue_depth"), 0);
  EXPECT_EQ(after.At("pipegrid_dead_letters"), 0);
}

TEST_F(LiveMetricsTest, DeadLettersCountNowAndEver) {
  std::string id = Submit("exit 3");
  WaitFinished(id);
  Exposition e = Scrape();
  EXPECT_EQ(e.At("pipegrid_dead_letters"), 1);
  EXPECT_EQ(e.At("pipegrid_dead_letters_total"), 1);
  EXPECT_EQ(e.At("pipegrid_task_duration_seconds_count{outcome=\"exit\"}"), 1);
  testing::ClientResponse requeued = testing::TestConnection(port()).Call(
      http::verb::post,
      "/api/v1/deadletters/" +
          testing::Json(testing::Get(port(), "/api/v1/deadletters"))["items"][0].value("taskId",
                                                                                       "") +
          "/requeue");
  EXPECT_EQ(requeued.result(), http::status::accepted) << requeued.body();
  WaitFinished(id);
  e = Scrape();
  EXPECT_EQ(e.At("pipegrid_dead_letters"), 1);  // failed again
  EXPECT_EQ(e.At("pipegrid_dead_letters_total"), 2);
}

TEST_F(LiveMetricsTest, PushesTheSameFiguresToInflux) {
  RecordingServer influx(http::status::no_content);
  std::string id = Submit("true");
  WaitFinished(id);
  ApiOptions options = Options();
  options.influx_url = "http://127.0.0.1:" + std::to_string(influx.port()) +
                       "/api/v2/write?org=o&bucket=b&precision=ns";
  options.influx_token = "t0k";
  options.influx_interval = Millis(20);
  auto pushing = StartApi(options);
  ASSERT_TRUE(pushing.ok()) << pushing.status().ToString();

  RecordingServer::Request req = influx.WaitRequest(1);
  EXPECT_EQ(req.method(), http::verb::post);
  EXPECT_EQ(req.target(), "/api/v2/write?org=o&bucket=b&precision=ns");
  EXPECT_EQ(req[http::field::authorization], "Token t0k");
  EXPECT_EQ(req[http::field::content_type], "text/plain; charset=utf-8");
  const std::string& body = req.body();
  EXPECT_THAT(body, HasSubstr("\npipegrid_jobs,state=SUCCEEDED value=1\n"));
  EXPECT_THAT(body, HasSubstr("\npipegrid_submits_total value=1\n"));
  EXPECT_THAT(body, HasSubstr("\npipegrid_workers,state=READY value=1\n"));
  EXPECT_THAT(body, HasSubstr("\npipegrid_worker_slots,worker=w1 value=2\n"));
  EXPECT_THAT(body, HasSubstr("\npipegrid_task_duration_seconds,outcome=succeeded count=1,sum="));
  EXPECT_THAT(body, HasSubstr("\npipegrid_ready value=1\n"));
  // Every tick pushes again.
  influx.WaitRequest(2);
  (*pushing)->Stop();
}

TEST_F(LiveMetricsTest, AFailingInfluxIsRetriedAndNeverFatal) {
  RecordingServer influx(http::status::internal_server_error);
  ApiOptions options = Options();
  options.influx_url = "http://127.0.0.1:" + std::to_string(influx.port()) + "/write?db=pg";
  options.influx_interval = Millis(20);
  auto pushing = StartApi(options);
  ASSERT_TRUE(pushing.ok());
  influx.WaitRequest(1);
  RecordingServer::Request second = influx.WaitRequest(2);
  EXPECT_EQ(second.target(), "/write?db=pg");
  EXPECT_EQ(testing::Get((*pushing)->port(), "/healthz").result(), http::status::ok);
}

TEST_F(LiveMetricsTest, AnUnusableInfluxUrlIsRefusedAtStart) {
  for (const char* url : {"https://influx:8086/write?db=x", "influx:8086/write", "http:///write",
                          "http://host:port/write"}) {
    ApiOptions options = Options();
    options.influx_url = url;
    EXPECT_THAT(StartApi(options), StatusIs(StatusCode::kInvalidArgument)) << url;
  }
}

}  // namespace
}  // namespace pipegrid::api
