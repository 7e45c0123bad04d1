// Drives the client commands end to end: CLI::App + argv -> HTTP requests to
// a fake server -> output and exit code.
#include "cli/commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "unit/cli/cli_test_util.h"

namespace pipegrid::cli {
namespace {

using testing::CannedResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::JsonResponse;
using testing::RecordedRequest;
using testing::ScopedEnv;

std::string JobJson(const std::string& state, const nlohmann::json& counters,
                    const std::string& reason = "") {
  nlohmann::json job = {
      {"id", "01J"},    {"name", "demo"},       {"namespace", "default"},
      {"state", state}, {"counters", counters}, {"tasks", nlohmann::json::array()}};
  if (!reason.empty()) job["reason"] = reason;
  return job.dump();
}

class CommandsTest : public testing::ClientCommandTest {
 protected:
  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = dir_.Sub(name);
    std::ofstream(path) << text;
    return path;
  }

  std::vector<RecordedRequest> Requests() const { return server_.requests(); }
};

TEST_F(CommandsTest, SubmitPrintsOnlyTheJobId) {
  routes_.Add("POST /api/v1/jobs", JsonResponse(201, JobJson("PENDING", {{"PENDING", 1}})));
  std::string spec = WriteFile("job.yaml", "apiVersion: pipegrid/v1\nkind: Job\n");
  EXPECT_EQ(Run({"submit", spec, "--server", server_.url()}), 0);
  EXPECT_EQ(out_.str(), "01J\n");
  EXPECT_EQ(err_.str(), "");
  std::vector<RecordedRequest> requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers["content-type"], "application/yaml");
  EXPECT_EQ(requests[0].body, "apiVersion: pipegrid/v1\nkind: Job\n");
}

TEST_F(CommandsTest, SubmitJsonFromFileAndStdin) {
  routes_.Add("POST /api/v1/jobs?namespace=team-a", JsonResponse(201, JobJson("PENDING", {})));
  std::string spec = WriteFile("job.JSON", R"({"kind":"Job"})");
  EXPECT_EQ(Run({"submit", spec, "-n", "team-a", "--server", server_.url()}), 0);
  in_.str("kind: Job\n");
  EXPECT_EQ(Run({"submit", "-", "--namespace", "team-a", "--server", server_.url()}), 0);
  std::vector<RecordedRequest> requests = Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers["content-type"], "application/json");
  EXPECT_EQ(requests[1].headers["content-type"], "application/yaml");
  EXPECT_EQ(requests[1].body, "kind: Job\n");
}

TEST_F(CommandsTest, SubmitWaitReturnsOneWhenTheJobFails) {
  routes_.Add("POST /api/v1/jobs", JsonResponse(201, JobJson("PENDING", {{"PENDING", 2}})));
  routes_.Add("GET /api/v1/jobs/01J", JsonResponse(200, JobJson("RUNNING", {{"RUNNING", 2}})));
  routes_.Add("GET /api/v1/jobs/01J",
              JsonResponse(200, JobJson("RUNNING", {{"SUCCEEDED", 1}, {"RUNNING", 1}})));
  routes_.Add(
      "GET /api/v1/jobs/01J",
      JsonResponse(200, JobJson("FAILED", {{"SUCCEEDED", 1}, {"FAILED", 1}}, "task b failed")));
  std::string spec = WriteFile("job.yaml", "kind: Job\n");

  EXPECT_EQ(Run({"submit", spec, "--wait", "--server", server_.url()}), 1);

  EXPECT_EQ(out_.str(), "01J\njob demo FAILED (task b failed)\n");
  // Not a terminal: no progress line.
  EXPECT_EQ(err_.str(), "");
  // Backing off from 100 ms between the three polls.
  EXPECT_THAT(sleeps_, ElementsAre(100, 200, 400));
  std::vector<RecordedRequest> requests = Requests();
  ASSERT_EQ(requests.size(), 4u);
  for (size_t i = 1; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].method + " " + requests[i].target, "GET /api/v1/jobs/01J");
  }
}

TEST_F(CommandsTest, SubmitWaitOnTerminalRedrawsOneProgressLine) {
  routes_.Add("POST /api/v1/jobs",
              JsonResponse(201, JobJson("RUNNING", {{"SUCCEEDED", 1}, {"RUNNING", 1}})));
  routes_.Add("GET /api/v1/jobs/01J", JsonResponse(200, JobJson("SUCCEEDED", {{"SUCCEEDED", 2}})));
  std::string spec = WriteFile("job.yaml", "kind: Job\n");

  EXPECT_EQ(Run({"submit", spec, "--wait", "--server", server_.url()}, /*tty=*/true), 0);

  EXPECT_EQ(err_.str(),
            "\r job demo RUNNING  1/2 done  1 running  0 failed\x1b[K"
            "\r job demo SUCCEEDED  2/2 done  0 running  0 failed\x1b[K\n");
  EXPECT_EQ(out_.str(), "01J\njob demo SUCCEEDED\n");
}

TEST_F(CommandsTest, SubmitWaitReturnsTwoWhenTheJobIsCancelled) {
  routes_.Add("POST /api/v1/jobs", JsonResponse(201, JobJson("CANCELLED", {{"CANCELLED", 1}})));
  std::string spec = WriteFile("job.yaml", "kind: Job\n");
  EXPECT_EQ(Run({"submit", spec, "--wait", "--server", server_.url()}), 2);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(CommandsTest, SubmitWaitRidesOutAServerError) {
  routes_.Add("POST /api/v1/jobs", JsonResponse(201, JobJson("RUNNING", {{"RUNNING", 1}})));
  routes_.Add("GET /api/v1/jobs/01J", JsonResponse(503, R"({"error":{"code":"UNAVAILABLE"}})"));
  routes_.Add("GET /api/v1/jobs/01J", JsonResponse(200, JobJson("SUCCEEDED", {{"SUCCEEDED", 1}})));
  std::string spec = WriteFile("job.yaml", "kind: Job\n");
  EXPECT_EQ(Run({"submit", spec, "--wait", "--server", server_.url()}), 0);
  EXPECT_THAT(sleeps_, ElementsAre(100, 200));
}

TEST_F(CommandsTest, RejectedSubmitPrintsTheServersErrorAndReturnsThree) {
  routes_.Add("POST /api/v1/jobs",
              JsonResponse(400, R"({"error":{"code":"INVALID_ARGUMENT",)"
                                R"("message":"unknown field \"x\"","field":"spec.tasks[0].x"}})"));
  std::string spec = WriteFile("job.yaml", "kind: Job\n");
  EXPECT_EQ(Run({"submit", spec, "--wait", "--server", server_.url()}), 3);
  EXPECT_EQ(err_.str(), "error: INVALID_ARGUMENT: unknown field \"x\" (at spec.tasks[0].x)\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandsTest, UnreachableServerReturnsFour) {
  std::string url = "http://127.0.0.1:" + std::to_string(testing::UnusedPort());
  EXPECT_EQ(Run({"jobs", "--server", url}), 4);
  EXPECT_EQ(err_.str(), "error: cannot reach " + url + ": Connection refused\n");
}

TEST_F(CommandsTest, ServerErrorReturnsFour) {
  routes_.Add("GET /api/v1/workers",
              JsonResponse(500, R"({"error":{"code":"INTERNAL","message":"store broke"}})"));
  EXPECT_EQ(Run({"workers", "--server", server_.url()}), 4);
  EXPECT_EQ(err_.str(), "error: INTERNAL: store broke\n");
}

TEST_F(CommandsTest, UsageErrorsReturnSixtyFour) {
  EXPECT_EQ(Run({"submit", dir_.Sub("missing.yaml"), "--server", server_.url()}), 64);
  EXPECT_THAT(err_.str(), HasSubstr("missing.yaml"));
  EXPECT_EQ(Run({"jobs", "--state", "BOGUS"}), 64);
  EXPECT_EQ(Run({"jobs", "--label", "novalue"}), 64);
  EXPECT_EQ(Run({"get"}), 64);
  EXPECT_EQ(Run({"jobs", "--server", "https://127.0.0.1:8443"}), 64);
  EXPECT_THAT(err_.str(), HasSubstr("https is not supported yet"));
  EXPECT_TRUE(Requests().empty());
}

TEST_F(CommandsTest, JobsBuildsTheQueryAndRendersATable) {
  routes_.Add(
      "GET /api/v1/jobs?state=RUNNING,FAILED&label=team=data&label=tier=gold%20x"
      "&namespace=ns1&limit=5",
      JsonResponse(200, R"({"items":[{"id":"01J","name":"demo","namespace":"ns1",)"
                        R"("state":"RUNNING","counters":{"RUNNING":1,"SUCCEEDED":1},)"
                        R"("createdAt":"2026-11-23T14:05:00.123Z"}],"nextPageToken":"tok2"})"));
  EXPECT_EQ(Run({"jobs", "--state", "running,FAILED", "--label", "team=data", "--label",
                 "tier=gold x", "-n", "ns1", "--limit", "5", "--server", server_.url()}),
            0)
      << err_.str();
  EXPECT_EQ(out_.str(),
            "ID   NAME  NAMESPACE  STATE    TASKS  CREATED\n"
            "01J  demo  ns1        RUNNING  1/2    2026-11-23T14:05:00.123Z\n");
  EXPECT_EQ(err_.str(), "more results: repeat with --after tok2\n");
}

TEST_F(CommandsTest, GetWithJsonOutputPrintsTheServersJsonPretty) {
  std::string job = JobJson("RUNNING", {{"RUNNING", 1}});
  routes_.Add("GET /api/v1/jobs/01J", JsonResponse(200, job));
  EXPECT_EQ(Run({"get", "01J", "-o", "json", "--server", server_.url()}), 0);
  EXPECT_EQ(out_.str(), nlohmann::json::parse(job).dump(2) + "\n");
}

TEST_F(CommandsTest, GetRendersTheJob) {
  routes_.Add("GET /api/v1/jobs/01J", JsonResponse(200, JobJson("RUNNING", {{"RUNNING", 1}})));
  EXPECT_EQ(Run({"get", "01J", "--server", server_.url()}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("State:       RUNNING\n"));
}

TEST_F(CommandsTest, GetOfAnUnknownJobReturnsThree) {
  EXPECT_EQ(Run({"get", "nope", "--server", server_.url()}), 3);
  EXPECT_EQ(err_.str(), "error: NOT_FOUND: no route\n");
}

TEST_F(CommandsTest, LogsPrintsTheTextAsIs) {
  routes_.Add("GET /api/v1/jobs/01J/tasks/ocr%5B0%5D/logs?attempt=2",
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
              "Transfer-Encoding: chunked\r\n\r\n"
              "7\r\npage 1\n\r\n5\r\ndone\n\r\n0\r\n\r\n");
  EXPECT_EQ(Run({"logs", "01J", "ocr[0]", "--attempt", "2", "--server", server_.url()}), 0);
  EXPECT_EQ(out_.str(), "page 1\ndone\n");
}

TEST_F(CommandsTest, LogsFollowAsksTheServerToStream) {
  routes_.Add("GET /api/v1/jobs/01J/tasks/build/logs?follow=true",
              CannedResponse(200, "text/plain; charset=utf-8", "step 1\n"));
  EXPECT_EQ(Run({"logs", "01J", "build", "-f", "--server", server_.url()}), 0);
  EXPECT_EQ(out_.str(), "step 1\n");
}

TEST_F(CommandsTest, LogsOfAnUnknownTaskReturnsThree) {
  EXPECT_EQ(Run({"logs", "01J", "nope", "--server", server_.url()}), 3);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "error: NOT_FOUND: no route\n");
}

TEST_F(CommandsTest, ControlCommandsSendTheirRequests) {
  routes_.Add("POST /api/v1/jobs/01J/cancel", JsonResponse(200, JobJson("RUNNING", {})));
  routes_.Add("POST /api/v1/jobs/01J/kill", JsonResponse(200, JobJson("RUNNING", {})));
  routes_.Add("POST /api/v1/jobs/01J/retry", JsonResponse(200, JobJson("RUNNING", {})));
  routes_.Add("DELETE /api/v1/jobs/01J", CannedResponse(204, "", ""));
  routes_.Add("POST /api/v1/deadletters/t1/requeue", JsonResponse(200, "{}"));
  for (const char* command : {"cancel", "kill", "retry", "delete"}) {
    EXPECT_EQ(Run({command, "01J", "--server", server_.url()}), 0) << command;
  }
  EXPECT_EQ(Run({"dlq", "requeue", "t1", "--server", server_.url()}), 0);
  EXPECT_EQ(out_.str(),
            "cancel requested for job 01J (RUNNING)\n"
            "kill requested for job 01J (RUNNING)\n"
            "retrying job 01J (RUNNING)\n"
            "deleted job 01J\n"
            "requeued task t1\n");
}

TEST_F(CommandsTest, CancelOfAFinishedJobIsRejected) {
  routes_.Add("POST /api/v1/jobs/01J/cancel",
              JsonResponse(409, R"({"error":{"code":"FAILED_PRECONDITION",)"
                                R"("message":"job 01J is finished"}})"));
  EXPECT_EQ(Run({"cancel", "01J", "--server", server_.url()}), 3);
  EXPECT_EQ(err_.str(), "error: FAILED_PRECONDITION: job 01J is finished\n");
}

TEST_F(CommandsTest, WorkersAndDeadLetterTables) {
  routes_.Add("GET /api/v1/workers",
              JsonResponse(200, R"({"items":[{"name":"w1","state":"READY","slots":2,)"
                                R"("slotsFree":1,"running":1},{"name":"w2","state":"READY",)"
                                R"("slots":1,"slotsFree":0,"running":1,"connected":false}],)"
                                R"("nextPageToken":null})"));
  routes_.Add("GET /api/v1/deadletters?limit=10",
              JsonResponse(200, R"({"items":[],"nextPageToken":null})"));
  EXPECT_EQ(Run({"workers", "--server", server_.url()}), 0);
  EXPECT_EQ(Run({"dlq", "list", "--limit", "10", "--server", server_.url()}), 0);
  EXPECT_EQ(out_.str(),
            "NAME  STATE                 SLOTS FREE  RUNNING  CPU  MEMORY  LABELS  VERSION  LAST HEARTBEAT\n"
            "w1    READY                 1/2         1        -    -       -       -        -\n"
            "w2    READY (disconnected)  0/1         1        -    -       -       -        -\n"
            "TASK ID  JOB  NAMESPACE  TASK  ATTEMPTS  OUTCOME  REASON  FAILED AT\n");
}

TEST_F(CommandsTest, UserConfigIsBelowEnvironmentAndFlags) {
  routes_.Add("GET /api/v1/workers", JsonResponse(200, R"({"items":[]})"));
  WriteFile("user-config.yaml", "server: " + server_.url() + "\ntoken: from-file\n");

  EXPECT_EQ(Run({"workers"}), 0) << err_.str();
  {
    ScopedEnv env("PIPEGRID_TOKEN", "from-env");
    EXPECT_EQ(Run({"workers"}), 0);
    EXPECT_EQ(Run({"workers", "--token", "from-flag"}), 0);
  }
  std::vector<RecordedRequest> requests = Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].headers["authorization"], "Bearer from-file");
  EXPECT_EQ(requests[1].headers["authorization"], "Bearer from-env");
  EXPECT_EQ(requests[2].headers["authorization"], "Bearer from-flag");

  // The environment's server beats the file's.
  std::string unreachable = "http://127.0.0.1:" + std::to_string(testing::UnusedPort());
  ScopedEnv env("PIPEGRID_SERVER", unreachable);
  EXPECT_EQ(Run({"workers"}), 4);
}

TEST_F(CommandsTest, UserConfigNamespaceAppliesToSubmit) {
  routes_.Add("POST /api/v1/jobs?namespace=from-file", JsonResponse(201, JobJson("PENDING", {})));
  WriteFile("user-config.yaml", "namespace: from-file\n");
  std::string spec = WriteFile("job.yaml", "kind: Job\n");
  EXPECT_EQ(Run({"submit", spec, "--server", server_.url()}), 0) << err_.str();
}

TEST_F(CommandsTest, UnknownKeyInUserConfigIsAUsageError) {
  WriteFile("user-config.yaml", "sever: http://x\n");
  EXPECT_EQ(Run({"workers", "--server", server_.url()}), 64);
  EXPECT_THAT(err_.str(), HasSubstr("unknown key \"sever\""));
  EXPECT_TRUE(Requests().empty());
}

TEST(UserConfigPathTest, FollowsXdgConfigHome) {
  {
    ScopedEnv xdg("XDG_CONFIG_HOME", "/xdg");
    EXPECT_EQ(UserConfigPath(), "/xdg/pipegrid/config.yaml");
  }
  ScopedEnv no_xdg("XDG_CONFIG_HOME", "");
  ScopedEnv home("HOME", "/home/ann");
  EXPECT_EQ(UserConfigPath(), "/home/ann/.config/pipegrid/config.yaml");
}

}  // namespace
}  // namespace pipegrid::cli
