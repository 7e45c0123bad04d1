// Submitting and reading jobs, health, metrics and the API's own description,
// through ApiServer with a real scheduler and store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include "api/metrics.h"
#include "api/routes.h"

#include <filesystem>
#include <fstream>

#include "api/http_message.h"
#include "unit/api/api_fixture.h"
#include "worker/agent.h"

namespace pipegrid::api {
namespace {

using nlohmann::json;
using ::pipegrid::api::testing::ApiServerTest;
using ::pipegrid::api::testing::ClientResponse;
using ::pipegrid::api::testing::ErrorCode;
using ::pipegrid::api::testing::Json;
using ::pipegrid::api::testing::kOneTask;
using ::pipegrid::testing::StatusIs;
using ::testing::HasSubstr;

TEST_F(ApiServerTest, SubmitCreatesThenResubmitIsIdempotent) {
  ClientResponse created = SubmitYaml(kOneTask);
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  json job = Json(created);
  std::string id = job["id"];
  EXPECT_EQ(created[http::field::location], "/api/v1/jobs/" + id);
  EXPECT_EQ(job["name"], "one");
  EXPECT_EQ(job["externalId"], "order-1");
  EXPECT_EQ(job["labels"], (json{{"team", "data"}}));
  ASSERT_EQ(job["tasks"].size(), 1u);
  EXPECT_EQ(job["tasks"][0]["name"], "main");
  EXPECT_EQ(job["tasks"][0]["state"], "QUEUED");  // no worker yet
  EXPECT_EQ(job["counters"]["QUEUED"], 1);

  ClientResponse again = SubmitYaml(kOneTask);
  EXPECT_EQ(again.result(), http::status::ok);
  EXPECT_EQ(Json(again)["id"], id);

  std::string different = kOneTask;
  different.replace(different.find("\"true\""), 6, "\"false\"");
  ClientResponse conflict = SubmitYaml(different);
  EXPECT_EQ(conflict.result(), http::status::conflict);
  EXPECT_EQ(ErrorCode(conflict), "ALREADY_EXISTS");
  EXPECT_THAT(Json(conflict)["error"]["message"].get<std::string>(), HasSubstr(id));

  EXPECT_EQ(Json(Get("/api/v1/jobs/by-external-id/order-1"))["id"], id);
  EXPECT_EQ(Json(Get("/api/v1/jobs/" + id))["id"], id);
  EXPECT_EQ(Json(Get("/api/v1/jobs"))["items"].size(), 1u);
}

TEST_F(ApiServerTest, SubmitJsonAndLegacyFormats) {
  ClientResponse res = Call(http::verb::post, "/api/v1/jobs",
                            R"({"apiVersion": "pipegrid/v1", "kind": "Job",
                                "metadata": {"name": "j"},
                                "spec": {"tasks": [{"name": "a",
                                  "steps": [{"commands": ["true"]}]}]}})",
                            "application/json; charset=utf-8");
  EXPECT_EQ(res.result(), http::status::created) << res.body();

  res =
      Call(http::verb::post, "/api/v1/jobs",
           R"({"pipeline": [{"executorName": "wget", "commands": ["true"]}]})", "application/json");
  ASSERT_EQ(res.result(), http::status::created) << res.body();
  json legacy = Json(res);
  EXPECT_EQ(legacy["name"], "legacy-" + legacy["id"].get<std::string>());
  EXPECT_EQ(legacy["tasks"][0]["name"], "main");
}

TEST_F(ApiServerTest, SubmitRejectsBadContentTypeSpecAndSize) {
  ClientResponse res = Call(http::verb::post, "/api/v1/jobs", kOneTask, "text/plain");
  EXPECT_EQ(res.result(), http::status::unsupported_media_type);
  EXPECT_EQ(ErrorCode(res), "INVALID_ARGUMENT");

  std::string bad = kOneTask;
  bad.replace(bad.find("name: main"), 10, "name: -bad");
  res = SubmitYaml(bad);
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(ErrorCode(res), "INVALID_ARGUMENT");
  EXPECT_THAT(Json(res)["error"]["field"].get<std::string>(), HasSubstr("spec.tasks[0]"));

  res = SubmitYaml(std::string(kOneTask) + "#" + std::string(70 << 10, 'x') + "\n");
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_EQ(Json(Get("/api/v1/jobs"))["items"].size(), 0u);
}

TEST_F(ApiServerTest, WorkersEventsAndMetrics) {
  AddWorker();
  std::string id = SubmitOk(kOneTask);

  json workers = Json(Get("/api/v1/workers"));
  ASSERT_EQ(workers["items"].size(), 1u);
  EXPECT_EQ(workers["items"][0]["name"], "w1");
  EXPECT_EQ(workers["items"][0]["slots"], 2);
  EXPECT_EQ(workers["items"][0]["version"], "test");
  EXPECT_TRUE(workers["nextPageToken"].is_null());

  json events = Json(Get("/api/v1/jobs/" + id + "/events"));
  ASSERT_FALSE(events["items"].empty());
  EXPECT_EQ(events["items"][0]["type"], "job");
  EXPECT_EQ(events["items"][0]["jobId"], id);

  ClientResponse metrics = Get("/metrics");
  ASSERT_EQ(metrics.result(), http::status::ok);
  EXPECT_THAT(metrics.body(), HasSubstr("\npipegrid_submits_total 1\n"));
  EXPECT_THAT(metrics.body(),
              HasSubstr("pipegrid_http_requests_total{route=\"/api/v1/jobs\",code=\"201\"} 1\n"));
}

TEST_F(ApiServerTest, ReadinessFollowsTheCallback) {
  EXPECT_EQ(Get("/readyz").result(), http::status::ok);
  ready_ = false;
  EXPECT_EQ(Get("/readyz").result(), http::status::service_unavailable);
  EXPECT_EQ(Get("/healthz").result(), http::status::ok);
}

TEST_F(ApiServerTest, OpenApiDescribesEveryRoute) {
  Router router;
  AddJobReadRoutes(router, *store_);
  AddCommandRoutes(router, *scheduler_, *store_, LogDir(), "");
  AddLogRoutes(router, *store_, LogDir());
  AddEventRoutes(router, *store_);
  AddDeadLetterReadRoutes(router, *store_);
  AddOpenApiRoute(router);
  AddHealthRoutes(router, MetricsSources{*store_, scheduler_->counters(), [] { return true; },
                                          std::make_shared<RequestStats>()});
  json doc = Json(Get("/api/v1/openapi.json"));
  for (const auto& [method, pattern] : router.Routes()) {
    std::string verb(http::to_string(method));
    std::transform(verb.begin(), verb.end(), verb.begin(), ::tolower);
    EXPECT_TRUE(doc["paths"].contains(pattern) && doc["paths"][pattern].contains(verb))
        << verb << " " << pattern;
    // And the route the document describes is really served.
    EXPECT_NE(Call(method, pattern).result(), http::status::method_not_allowed) << pattern;
  }
}

TEST_F(ApiServerTest, BusyPortIsUnavailable) {
  std::string address = "127.0.0.1:" + std::to_string(api_->port());
  ApiOptions options;
  options.listen = address;
  auto second = ApiServer::Start(options, *scheduler_, *store_, clock_, [] { return true; });
  ASSERT_THAT(second, StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(second.status().message(), "cannot listen on " + address + ": Address already in use");
}

}  // namespace
}  // namespace pipegrid::api
