// Commands on jobs, dead letters and workers, and logs, through ApiServer with
// a real scheduler and store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

TEST_F(ApiServerTest, CancelQueuedJobThenCancelAgainConflicts) {
  std::string id = SubmitOk(kOneTask);
  ClientResponse res = Post("/api/v1/jobs/" + id + "/cancel");
  ASSERT_EQ(res.result(), http::status::accepted) << res.body();
  EXPECT_EQ(Json(res)["state"], "CANCELLED");
  EXPECT_EQ(Json(res)["tasks"][0]["state"], "CANCELLED");

  res = Post("/api/v1/jobs/" + id + "/cancel");
  EXPECT_EQ(res.result(), http::status::conflict);
  EXPECT_EQ(ErrorCode(res), "FAILED_PRECONDITION");
  EXPECT_EQ(Post("/api/v1/jobs/nope/kill").result(), http::status::not_found);
}

TEST_F(ApiServerTest, KillRunningJobStopsItsAttemptAtOnce) {
  AddWorker();
  std::string id = SubmitOk(kOneTask);
  ASSERT_TRUE(worker_.WaitAssignment("main"));
  ClientResponse res = Post("/api/v1/jobs/" + id + "/kill");
  EXPECT_EQ(res.result(), http::status::accepted) << res.body();
  std::optional<protocol::StopRequest> stop = worker_.WaitStop();
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->outcome, Outcome::kKilled);
  EXPECT_EQ(stop->grace, Millis(0));
}

TEST_F(ApiServerTest, RetryOnlyFinishedJobs) {
  std::string id = SubmitOk(kOneTask);
  EXPECT_EQ(Post("/api/v1/jobs/" + id + "/retry").result(), http::status::conflict);
  ASSERT_EQ(Post("/api/v1/jobs/" + id + "/cancel").result(), http::status::accepted);
  ClientResponse res = Post("/api/v1/jobs/" + id + "/retry");
  ASSERT_EQ(res.result(), http::status::accepted) << res.body();
  EXPECT_EQ(Json(res)["tasks"][0]["state"], "QUEUED");
  EXPECT_EQ(Post("/api/v1/jobs/nope/retry").result(), http::status::not_found);
}

TEST_F(ApiServerTest, DeleteFinishedJobRemovesItAndItsLogs) {
  std::string id = SubmitOk(kOneTask);
  EXPECT_EQ(Call(http::verb::delete_, "/api/v1/jobs/" + id).result(), http::status::conflict);

  std::string log = worker::LogPath(LogDir(), id, "main", 1);
  std::filesystem::create_directories(std::filesystem::path(log).parent_path());
  std::ofstream(log) << "output\n";
  ASSERT_EQ(Post("/api/v1/jobs/" + id + "/cancel").result(), http::status::accepted);

  ClientResponse res = Call(http::verb::delete_, "/api/v1/jobs/" + id);
  EXPECT_EQ(res.result(), http::status::no_content);
  EXPECT_EQ(res.body(), "");
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(LogDir()) / id));
  EXPECT_TRUE(std::filesystem::exists(LogDir()));
  EXPECT_EQ(Get("/api/v1/jobs/" + id).result(), http::status::not_found);
  EXPECT_EQ(Call(http::verb::delete_, "/api/v1/jobs/" + id).result(), http::status::not_found);
}

TEST_F(ApiServerTest, LogsOfTheRunningAttempt) {
  AddWorker();
  std::string id = SubmitOk(kOneTask);
  std::optional<protocol::Assignment> a = worker_.WaitAssignment("main");
  ASSERT_TRUE(a);
  std::string log = worker::LogPath(LogDir(), id, "main", a->attempt_number);
  std::filesystem::create_directories(std::filesystem::path(log).parent_path());
  std::ofstream(log) << "line 1\nline 2\n";
  ClientResponse res = Get("/api/v1/jobs/" + id + "/tasks/main/logs");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "line 1\nline 2\n");
}

TEST_F(ApiServerTest, FailedTaskIsDeadLetteredAndRequeued) {
  AddWorker();
  std::string id = SubmitOk(kOneTask);
  std::optional<protocol::Assignment> a = worker_.WaitAssignment("main");
  ASSERT_TRUE(a);
  scheduler_->Started({a->attempt_id, 4242, clock_.Wall()});
  protocol::AttemptFinished finished;
  finished.attempt_id = a->attempt_id;
  finished.outcome = Outcome::kExit;
  finished.exit_code = 3;
  finished.finished_at = clock_.Wall();
  scheduler_->Finished(finished);
  // Sent only once the job's end is committed.
  ASSERT_TRUE(worker_.WaitReleased(id));

  json job = Json(Get("/api/v1/jobs/" + id));
  EXPECT_EQ(job["state"], "FAILED");
  EXPECT_EQ(job["tasks"][0]["attempts"][0]["outcome"], "exit");
  EXPECT_EQ(job["tasks"][0]["attempts"][0]["exitCode"], 3);

  json letters = Json(Get("/api/v1/deadletters"));
  ASSERT_EQ(letters["items"].size(), 1u);
  std::string task_id = letters["items"][0]["taskId"];
  EXPECT_EQ(letters["items"][0]["jobId"], id);
  EXPECT_EQ(letters["items"][0]["outcome"], "exit");

  ClientResponse res = Post("/api/v1/deadletters/" + task_id + "/requeue");
  EXPECT_EQ(res.result(), http::status::accepted) << res.body();
  EXPECT_EQ(Json(res), (json{{"requeued", task_id}}));
  EXPECT_EQ(Json(Get("/api/v1/deadletters"))["items"].size(), 0u);
  EXPECT_EQ(Post("/api/v1/deadletters/" + task_id + "/requeue").result(), http::status::not_found);
}

}  // namespace
}  // namespace pipegrid::api
