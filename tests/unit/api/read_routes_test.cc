// The read routes (jobs, events, dead letters, logs), health, metrics and
// OpenAPI over real sockets, backed by an in-memory store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include "api/http_server.h"
#include "api/metrics.h"
#include "api/routes.h"
#include "common/time_format.h"
#include "support/test_util.h"
#include "unit/api/fake_store.h"
#include "unit/api/test_client.h"
#include "worker/agent.h"

namespace pipegrid::api {
namespace {

using nlohmann::json;
using ::pipegrid::api::testing::ClientResponse;
using ::pipegrid::api::testing::ErrorCode;
using ::pipegrid::api::testing::FakeStore;
using ::pipegrid::api::testing::Json;
using ::testing::HasSubstr;

store::JobRecord MakeJob(std::string id, JobState state, std::string ns = "default",
                         std::map<std::string, std::string> labels = {}) {
  store::JobRecord j;
  j.id = id;
  j.name = "job-" + id;
  j.namespace_ = std::move(ns);
  j.labels = std::move(labels);
  j.state = state;
  j.created_at = FromUnixMillis(1'700'000'000'000);
  return j;
}

store::TaskRecord MakeTask(std::string id, std::string job_id, std::string name, int index,
                           TaskState state, int attempts) {
  store::TaskRecord t;
  t.id = std::move(id);
  t.job_id = std::move(job_id);
  t.name = std::move(name);
  t.index = index;
  t.state = state;
  t.attempts_started = attempts;
  return t;
}

class ReadRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::Batch b;
    b.put_jobs = {MakeJob("01J1", JobState::kSucceeded),
                  MakeJob("01J2", JobState::kFailed, "default", {{"team", "data"}}),
                  MakeJob("01J3", JobState::kRunning, "other", {{"team", "data"}}),
                  MakeJob("01J4", JobState::kPending),
                  MakeJob("01J5", JobState::kRunning, "default", {{"team", "web"}})};
    b.put_jobs[1].external_id = "order-4711";
    b.put_jobs[2].external_id = "order-4711";  // same externalId, other namespace
    b.put_tasks = {MakeTask("t1", "01J2", "fetch", 0, TaskState::kSucceeded, 1),
                   MakeTask("t2", "01J2", "ocr[0]", 1, TaskState::kFailed, 2),
                   MakeTask("t3", "01J2", "report", 2, TaskState::kSkipped, 0)};
    store::AttemptRecord a;
    a.id = "a1";
    a.task_id = "t1";
    a.job_id = "01J2";
    a.number = 1;
    a.outcome = Outcome::kSucceeded;
    a.exit_code = 0;
    b.put_attempts.push_back(a);
    for (int i = 1; i <= 5; ++i) {
      store::EventRecord e;
      e.job_id = i % 2 == 0 ? "01J2" : "01J1";
      e.type = "job";
      e.to = "RUNNING";
      b.events.push_back(e);
    }
    for (const char* id : {"t2", "t7", "t9"}) {
      store::DeadLetterRecord d;
      d.task_id = id;
      d.job_id = "01J2";
      d.namespace_ = std::string(id) == "t7" ? "other" : "default";
      d.outcome = Outcome::kExit;
      b.put_dead_letters.push_back(d);
    }
    ASSERT_TRUE(store_.Apply(b).ok());

    counters_.submits = 12;
    Router router;
    AddJobReadRoutes(router, store_);
    AddEventRoutes(router, store_);
    AddDeadLetterReadRoutes(router, store_);
    AddLogRoutes(router, store_, dir_.path().string());
    AddHealthRoutes(router,
                    MetricsSources{store_, counters_, [this] { return ready_.load(); }, stats_});
    AddOpenApiRoute(router);
    routes_ = router.Routes();
    auto server = HttpServer::Start({}, std::move(router), clock_, stats_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  ClientResponse Get(const std::string& target) { return testing::Get(server_->port(), target); }

  std::vector<std::string> Ids(const json& list, const char* key = "id") {
    std::vector<std::string> ids;
    for (const json& item : list["items"]) ids.push_back(item[key].get<std::string>());
    return ids;
  }

  void WriteLog(const std::string& job, const std::string& task, int n, const std::string& text) {
    std::string path = worker::LogPath(dir_.path().string(), job, task, n);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
  }

  pipegrid::testing::TempDir dir_;
  FakeClock clock_;
  FakeStore store_;
  master::SchedulerCounters counters_;
  std::atomic<bool> ready_{false};
  std::shared_ptr<RequestStats> stats_ = std::make_shared<RequestStats>();
  std::vector<std::pair<http::verb, std::string>> routes_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(ReadRoutesTest, ListJobsNewestFirstInPages) {
  json page = Json(Get("/api/v1/jobs?limit=2"));
  EXPECT_EQ(Ids(page), (std::vector<std::string>{"01J5", "01J4"}));
  EXPECT_EQ(page["nextPageToken"], "01J4");
  page = Json(Get("/api/v1/jobs?limit=2&after=01J4"));
  EXPECT_EQ(Ids(page), (std::vector<std::string>{"01J3", "01J2"}));
  page = Json(Get("/api/v1/jobs?limit=2&after=" + page["nextPageToken"].get<std::string>()));
  EXPECT_EQ(Ids(page), (std::vector<std::string>{"01J1"}));
  EXPECT_TRUE(page["nextPageToken"].is_null());
}

TEST_F(ReadRoutesTest, ListJobsExactlyOnePageHasNoToken) {
  json page = Json(Get("/api/v1/jobs?limit=5"));
  EXPECT_EQ(page["items"].size(), 5u);
  EXPECT_TRUE(page["nextPageToken"].is_null());
}

TEST_F(ReadRoutesTest, ListJobsFilters) {
  EXPECT_EQ(Ids(Json(Get("/api/v1/jobs?state=FAILED,SUCCEEDED"))),
            (std::vector<std::string>{"01J2", "01J1"}));
  EXPECT_EQ(Ids(Json(Get("/api/v1/jobs?state=RUNNING&state=PENDING"))),
            (std::vector<std::string>{"01J5", "01J4", "01J3"}));
  EXPECT_EQ(Ids(Json(Get("/api/v1/jobs?label=team%3Ddata"))),
            (std::vector<std::string>{"01J3", "01J2"}));
  EXPECT_EQ(Ids(Json(Get("/api/v1/jobs?label=team=data&namespace=default"))),
            (std::vector<std::string>{"01J2"}));
}

TEST_F(ReadRoutesTest, ListItemsHaveCountersButNoTasks) {
  json page = Json(Get("/api/v1/jobs?state=FAILED"));
  ASSERT_EQ(page["items"].size(), 1u);
  const json& job = page["items"][0];
  EXPECT_FALSE(job.contains("tasks"));
  EXPECT_EQ(job["counters"]["SUCCEEDED"], 1);
  EXPECT_EQ(job["counters"]["FAILED"], 1);
  EXPECT_EQ(job["counters"]["SKIPPED"], 1);
  EXPECT_EQ(job["counters"]["QUEUED"], 0);
  EXPECT_EQ(job["createdAt"], "2023-11-14T22:13:20.000Z");
}

TEST_F(ReadRoutesTest, ListJobsRejectsBadParameters) {
  for (const char* target : {"/api/v1/jobs?state=DONE", "/api/v1/jobs?limit=0",
                             "/api/v1/jobs?limit=1001", "/api/v1/jobs?label=x"}) {
    ClientResponse res = Get(target);
    EXPECT_EQ(res.result(), http::status::bad_request) << target;
    EXPECT_EQ(ErrorCode(res), "INVALID_ARGUMENT") << target;
  }
  EXPECT_EQ(Json(Get("/api/v1/jobs?state=DONE"))["error"]["field"], "state");
}

TEST_F(ReadRoutesTest, GetJobWithTasksAndAttempts) {
  ClientResponse res = Get("/api/v1/jobs/01J2");
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  json job = Json(res);
  EXPECT_EQ(job["externalId"], "order-4711");
  ASSERT_EQ(job["tasks"].size(), 3u);
  EXPECT_EQ(job["tasks"][0]["name"], "fetch");
  ASSERT_EQ(job["tasks"][0]["attempts"].size(), 1u);
  EXPECT_EQ(job["tasks"][0]["attempts"][0]["outcome"], "succeeded");
  EXPECT_EQ(job["tasks"][1]["name"], "ocr[0]");

  ClientResponse missing = Get("/api/v1/jobs/nope");
  EXPECT_EQ(missing.result(), http::status::not_found);
  EXPECT_EQ(ErrorCode(missing), "NOT_FOUND");
}

TEST_F(ReadRoutesTest, GetJobByExternalIdPerNamespace) {
  EXPECT_EQ(Json(Get("/api/v1/jobs/by-external-id/order-4711"))["id"], "01J2");
  EXPECT_EQ(Json(Get("/api/v1/jobs/by-external-id/order-4711?namespace=other"))["id"], "01J3");
  EXPECT_EQ(Get("/api/v1/jobs/by-external-id/order-4711?namespace=third").result(),
            http::status::not_found);
}

TEST_F(ReadRoutesTest, StoreFailuresMapToTheirStatus) {
  store_.FailWith(Unavailable("database is locked"));
  ClientResponse res = Get("/api/v1/jobs");
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(ErrorCode(res), "UNAVAILABLE");
  store_.FailWith(Internal("disk I/O error"));
  EXPECT_EQ(Get("/api/v1/jobs/01J2").result(), http::status::internal_server_error);
  EXPECT_EQ(Get("/metrics").result(), http::status::internal_server_error);
  store_.FailWith(Status::Ok());
  EXPECT_EQ(Get("/api/v1/jobs").result(), http::status::ok);
}

TEST_F(ReadRoutesTest, EventsPagedBySeq) {
  json page = Json(Get("/api/v1/events?limit=2"));
  EXPECT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["seq"], 1);
  EXPECT_EQ(page["nextPageToken"], "2");
  page = Json(Get("/api/v1/events?limit=2&after=" + page["nextPageToken"].get<std::string>()));
  EXPECT_EQ(page["items"][0]["seq"], 3);
  page = Json(Get("/api/v1/events?since=4"));
  EXPECT_EQ(page["items"].size(), 1u);
  EXPECT_TRUE(page["nextPageToken"].is_null());
}

TEST_F(ReadRoutesTest, JobEventsOnlyThatJob) {
  json page = Json(Get("/api/v1/jobs/01J2/events"));
  ASSERT_EQ(page["items"].size(), 2u);
  for (const json& e : page["items"]) EXPECT_EQ(e["jobId"], "01J2");
  EXPECT_EQ(Get("/api/v1/jobs/nope/events").result(), http::status::not_found);
  EXPECT_EQ(Get("/api/v1/jobs/01J2/events?since=x").result(), http::status::bad_request);
}

TEST_F(ReadRoutesTest, DeadLettersPagedByTaskId) {
  json page = Json(Get("/api/v1/deadletters?limit=2"));
  EXPECT_EQ(Ids(page, "taskId"), (std::vector<std::string>{"t2", "t7"}));
  EXPECT_EQ(page["nextPageToken"], "t7");
  page = Json(Get("/api/v1/deadletters?after=t7"));
  EXPECT_EQ(Ids(page, "taskId"), (std::vector<std::string>{"t9"}));
  EXPECT_EQ(Ids(Json(Get("/api/v1/deadletters?namespace=other")), "taskId"),
            (std::vector<std::string>{"t7"}));
}

TEST_F(ReadRoutesTest, LogsOfLatestOrChosenAttempt) {
  WriteLog("01J2", "ocr[0]", 1, "first try\n");
  WriteLog("01J2", "ocr[0]", 2, "second try\n");
  ClientResponse res = Get("/api/v1/jobs/01J2/tasks/ocr%5B0%5D/logs");
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "text/plain; charset=utf-8");
  EXPECT_EQ(res.body(), "second try\n");
  EXPECT_EQ(Get("/api/v1/jobs/01J2/tasks/ocr%5B0%5D/logs?attempt=1").body(), "first try\n");
  // `follow` is accepted and, for now, returns the current content.
  EXPECT_EQ(Get("/api/v1/jobs/01J2/tasks/ocr%5B0%5D/logs?follow=true").body(), "second try\n");
}

TEST_F(ReadRoutesTest, LogsWithoutAttemptOrFileAreEmpty) {
  ClientResponse never_ran = Get("/api/v1/jobs/01J2/tasks/report/logs");
  EXPECT_EQ(never_ran.result(), http::status::ok);
  EXPECT_EQ(never_ran.body(), "");
  ClientResponse no_file = Get("/api/v1/jobs/01J2/tasks/fetch/logs");
  EXPECT_EQ(no_file.result(), http::status::ok);
  EXPECT_EQ(no_file.body(), "");
}

TEST_F(ReadRoutesTest, LogsOfUnknownJobTaskOrAttempt) {
  EXPECT_EQ(Get("/api/v1/jobs/nope/tasks/fetch/logs").result(), http::status::not_found);
  EXPECT_EQ(Get("/api/v1/jobs/01J2/tasks/nope/logs").result(), http::status::not_found);
  EXPECT_EQ(Get("/api/v1/jobs/01J2/tasks/fetch/logs?attempt=2").result(), http::status::not_found);
  EXPECT_EQ(Get("/api/v1/jobs/01J2/tasks/fetch/logs?attempt=0").result(),
            http::status::bad_request);
}

TEST_F(ReadRoutesTest, HealthAndReadiness) {
  ClientResponse health = Get("/healthz");
  EXPECT_EQ(health.result(), http::status::ok);
  EXPECT_EQ(Json(health), (json{{"status", "ok"}}));
  ClientResponse not_ready = Get("/readyz");
  EXPECT_EQ(not_ready.result(), http::status::service_unavailable);
  EXPECT_EQ(ErrorCode(not_ready), "UNAVAILABLE");
  ready_ = true;
  EXPECT_EQ(Get("/readyz").result(), http::status::ok);
}

TEST_F(ReadRoutesTest, MetricsFromStoreCountersAndRequests) {
  ASSERT_EQ(Get("/healthz").result(), http::status::ok);
  ASSERT_EQ(Get("/api/v1/jobs/nope").result(), http::status::not_found);
  ClientResponse res = Get("/metrics");
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_THAT(std::string(res[http::field::content_type]), HasSubstr("version=0.0.4"));
  const std::string& text = res.body();
  EXPECT_THAT(text, HasSubstr("\npipegrid_jobs{state=\"RUNNING\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("\npipegrid_jobs{state=\"CANCELLED\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("\npipegrid_tasks{state=\"SKIPPED\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\npipegrid_attempts_total{outcome=\"succeeded\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\npipegrid_submits_total 12\n"));
  EXPECT_THAT(text,
              HasSubstr("\npipegrid_http_requests_total{route=\"/healthz\",code=\"200\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\npipegrid_http_requests_total{route=\"/api/v1/jobs/{id}\","
                              "code=\"404\"} 1\n"));
}

// Every "$ref" in `node` names a schema of `doc`.
void ExpectRefsResolve(const json& doc, const json& node) {
  if (node.is_object()) {
    if (node.contains("$ref")) {
      std::string ref = node["$ref"];
      const std::string prefix = "#/components/schemas/";
      ASSERT_EQ(ref.rfind(prefix, 0), 0u) << ref;
      EXPECT_TRUE(doc["components"]["schemas"].contains(ref.substr(prefix.size()))) << ref;
    }
    for (const auto& [key, value] : node.items()) ExpectRefsResolve(doc, value);
  } else if (node.is_array()) {
    for (const json& value : node) ExpectRefsResolve(doc, value);
  }
}

TEST_F(ReadRoutesTest, OpenApiDescribesEveryRegisteredRoute) {
  ClientResponse res = Get("/api/v1/openapi.json");
  ASSERT_EQ(res.result(), http::status::ok);
  json doc = Json(res);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  ExpectRefsResolve(doc, doc);
  for (const auto& [method, pattern] : routes_) {
    std::string verb(http::to_string(method));
    std::transform(verb.begin(), verb.end(), verb.begin(), ::tolower);
    EXPECT_TRUE(doc["paths"].contains(pattern) && doc["paths"][pattern].contains(verb))
        << verb << " " << pattern;
  }
}

}  // namespace
}  // namespace pipegrid::api
