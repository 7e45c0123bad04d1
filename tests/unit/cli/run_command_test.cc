// `pipegrid run`: the quoting, the spec it posts, and --wait's output and
// exit codes, against a fake server.
#include "cli/run_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "unit/cli/cli_test_util.h"

namespace pipegrid::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::JsonResponse;
using testing::RecordedRequest;

// What /bin/sh makes of `printf '[%s]' WORDS`: each word it received, in
// brackets, so a split or merged argument shows.
std::string ThroughShell(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"printf", "[%s]"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string command = ShellJoin(argv);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return "popen failed";
  std::string out;
  char buf[256];
  while (size_t n = fread(buf, 1, sizeof buf, pipe.get())) out.append(buf, n);
  return out;
}

TEST(ShellQuoteTest, PlainWordsStayBare) {
  EXPECT_EQ(ShellQuote("echo"), "echo");
  EXPECT_EQ(ShellQuote("/usr/bin/python3"), "/usr/bin/python3");
  EXPECT_EQ(ShellQuote("--out=x"), "'--out=x'");  // '=' is quoted: see IsBareShellChar
  EXPECT_EQ(ShellQuote("a-b_c.d:e,f+g@h%i"), "a-b_c.d:e,f+g@h%i");
}

TEST(ShellQuoteTest, AnythingSpecialIsSingleQuoted) {
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("%s\\n"), "'%s\\n'");
  EXPECT_EQ(ShellQuote("$HOME"), "'$HOME'");
  EXPECT_EQ(ShellQuote("~"), "'~'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellJoin({"printf", "%s\\n", "a b"}), "printf '%s\\n' 'a b'");
}

TEST(ShellQuoteTest, ShellReceivesEveryArgumentIntact) {
  std::vector<std::string> tricky = {"a b",  "",   "it's", "$HOME", "`id`",  "*",      "~",
                                     "a\nb", "#x", "x=1",  "\\",    "\"q\"", "; true", "é"};
  std::string expected;
  for (const std::string& arg : tricky) expected += "[" + arg + "]";
  EXPECT_EQ(ThroughShell(tricky), expected);
}

TEST(RunJobSpecTest, DefaultJobNameComesFromTheCommand) {
  EXPECT_EQ(DefaultRunJobName({"/usr/bin/python3", "x.py"}), "run-python3");
  EXPECT_EQ(DefaultRunJobName({"my tool!"}), "run-my-tool-");
  EXPECT_EQ(DefaultRunJobName({"dir/"}), "run");
  EXPECT_EQ(DefaultRunJobName({std::string(400, 'x')}).size(), 253u);
}

TEST(RunJobSpecTest, OneTaskOneStepOneCommand) {
  nlohmann::json spec = RunJobSpec({.argv = {"echo", "a b"}, .job_name = "run-echo"});
  EXPECT_EQ(spec, nlohmann::json::parse(R"({
    "apiVersion": "pipegrid/v1", "kind": "Job", "metadata": {"name": "run-echo"},
    "spec": {"tasks": [{"name": "run", "steps": [{"commands": ["echo 'a b'"]}]}]}})"));
}

TEST(RunJobSpecTest, WorkerAndTimeout) {
  nlohmann::json spec =
      RunJobSpec({.argv = {"true"}, .job_name = "j", .worker = "w-1", .timeout = "1m"});
  EXPECT_EQ(spec["spec"]["timeout"], "1m");
  EXPECT_EQ(spec["spec"]["tasks"][0]["nodeSelector"],
            nlohmann::json::parse(R"({"pipegrid.io/worker": "w-1"})"));
}

struct TaskView {
  std::string state;
  std::string reason;
  int attempts = 0;
};

// A Job JSON as the server sends it, with the one task `run`.
std::string RunJob(const std::string& state, const TaskView& task,
                   const std::string& job_reason = "") {
  nlohmann::json attempts = nlohmann::json::array();
  for (int i = 1; i <= task.attempts; ++i) attempts.push_back({{"number", i}});
  nlohmann::json job = {
      {"id", "01J"},
      {"name", "run-sh"},
      {"state", state},
      {"reason", job_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(job_reason)},
      {"tasks",
       {{{"name", "run"},
         {"state", task.state},
         {"reason", task.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(task.reason)},
         {"attempts", attempts}}}}};
  return job.dump();
}

constexpr char kJob[] = "GET /api/v1/jobs/01J";
constexpr char kFollow[] = "GET /api/v1/jobs/01J/tasks/run/logs?attempt=1&follow=true";

class RunCommandTest : public testing::ClientCommandTest {
 protected:
  // "pipegrid <command> --server <fake> <rest of args>".
  int Run(std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--server", server_.url()});
    return ClientCommandTest::Run(args);
  }

  std::vector<std::string> Targets() const {
    std::vector<std::string> out;
    for (const RecordedRequest& r : server_.requests()) out.push_back(r.method + " " + r.target);
    return out;
  }
};

TEST_F(RunCommandTest, PostsTheSpecAndPrintsOnlyTheId) {
  routes_.Add("POST /api/v1/jobs?namespace=team-a",
              JsonResponse(201, RunJob("PENDING", {.state = "QUEUED"})));
  EXPECT_EQ(Run({"run", "-n", "team-a", "--on", "w-2", "--timeout", "90s", "--", "printf", "%s\\n",
                 "a b"}),
            0);
  EXPECT_EQ(out_.str(), "01J\n");
  EXPECT_EQ(err_.str(), "");
  std::vector<RecordedRequest> requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers["content-type"], "application/json");
  nlohmann::json spec = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(spec, nlohmann::json::parse(R"({
    "apiVersion": "pipegrid/v1", "kind": "Job", "metadata": {"name": "run-printf"},
    "spec": {"timeout": "90s", "tasks": [{"name": "run",
      "nodeSelector": {"pipegrid.io/worker": "w-2"},
      "steps": [{"commands": ["printf '%s\\n' 'a b'"]}]}]}})"));
}

TEST_F(RunCommandTest, NameFlagNamesTheJob) {
  routes_.Add("POST /api/v1/jobs", JsonResponse(201, RunJob("PENDING", {.state = "QUEUED"})));
  EXPECT_EQ(Run({"run", "--name", "nightly.backup", "--", "true"}), 0);
  std::vector<RecordedRequest> requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(requests[0].body)["metadata"]["name"], "nightly.backup");
  EXPECT_FALSE(
      nlohmann::json::parse(requests[0].body)["spec"]["tasks"][0].contains("nodeSelector"));
}

TEST_F(RunCommandTest, WaitFollowsTheOutputAndExitsOneWhenTheJobFails) {
  routes_.Add("POST /api/v1/jobs", JsonResponse(201, RunJob("PENDING", {.state = "QUEUED"})));
  routes_.Add(kJob, JsonResponse(200, RunJob("RUNNING", {.state = "RUNNING", .attempts = 1})));
  routes_.Add(kFollow,
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
              "Transfer-Encoding: chunked\r\n\r\n"
              "4\r\nout\n\r\n4\r\nerr\n\r\n0\r\n\r\n");
  routes_.Add(kJob, JsonResponse(200, RunJob("FAILED",
                                             {.state = "FAILED", .reason = "exit 3", .attempts = 1},
                                             "task run failed")));

  EXPECT_EQ(Run({"run", "--wait", "--", "sh", "-c", "echo out; echo err >&2; exit 3"}), 1);

  EXPECT_EQ(out_.str(), "out\nerr\n");  // the command's output, nothing else
  EXPECT_EQ(err_.str(), "job 01J FAILED (task run failed)\n  task run FAILED: exit 3\n");
  EXPECT_THAT(Targets(), ElementsAre("POST /api/v1/jobs", kJob, kFollow, kJob));
  // One poll before the task started; none after the stream, which ends with
  // the task.
  EXPECT_THAT(sleeps_, ElementsAre(100));
}

TEST_F(RunCommandTest, WaitSucceedsQuietly) {
  routes_.Add("POST /api/v1/jobs",
              JsonResponse(201, RunJob("RUNNING", {.state = "ASSIGNED", .attempts = 1})));
  routes_.Add(kFollow, testing::CannedResponse(200, "text/plain; charset=utf-8", "hi\n"));
  routes_.Add(kJob, JsonResponse(200, RunJob("SUCCEEDED", {.state = "SUCCEEDED", .attempts = 1})));
  EXPECT_EQ(Run({"run", "--wait", "--", "echo", "hi"}), 0);
  EXPECT_EQ(out_.str(), "hi\n");
  EXPECT_EQ(err_.str(), "");
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(RunCommandTest, WaitTellsOnceWhyTheTaskIsQueued) {
  const std::string no_match = "no worker matches nodeSelector";
  routes_.Add("POST /api/v1/jobs", JsonResponse(201, RunJob("PENDING", {.state = "QUEUED"})));
  for (int i = 0; i < 3; ++i) {
    routes_.Add(kJob,
                JsonResponse(200, RunJob("PENDING", {.state = "QUEUED", .reason = no_match})));
  }
  // Cancelled by someone while it waited: it never ran, so no output to follow.
  routes_.Add(kJob,
              JsonResponse(200, RunJob("CANCELLED", {.state = "CANCELLED", .reason = "cancelled"},
                                       "cancelled")));

  EXPECT_EQ(Run({"run", "--on", "nosuch", "--wait", "--", "true"}), 2);

  EXPECT_EQ(err_.str(),
            "job 01J: task run is queued: no worker matches nodeSelector\n"
            "job 01J CANCELLED (cancelled)\n");
  EXPECT_EQ(out_.str(), "");
  EXPECT_THAT(sleeps_, ElementsAre(100, 200, 400, 800));
  for (const std::string& target : Targets()) EXPECT_NE(target, kFollow);
}

TEST_F(RunCommandTest, WaitRidesOutAServerErrorWhilePolling) {
  routes_.Add("POST /api/v1/jobs", JsonResponse(201, RunJob("PENDING", {.state = "QUEUED"})));
  routes_.Add(kJob, JsonResponse(503, R"({"error":{"code":"UNAVAILABLE"}})"));
  routes_.Add(kJob, JsonResponse(200, RunJob("RUNNING", {.state = "RUNNING", .attempts = 1})));
  routes_.Add(kFollow, testing::CannedResponse(200, "text/plain", "x\n"));
  routes_.Add(kJob, JsonResponse(200, RunJob("SUCCEEDED", {.state = "SUCCEEDED", .attempts = 1})));
  EXPECT_EQ(Run({"run", "--wait", "--", "true"}), 0);
  EXPECT_EQ(out_.str(), "x\n");
  EXPECT_THAT(sleeps_, ElementsAre(100, 200));
}

TEST_F(RunCommandTest, RejectedRunReturnsThree) {
  routes_.Add("POST /api/v1/jobs",
              JsonResponse(400, R"({"error":{"code":"INVALID_ARGUMENT","message":"bad value",)"
                                R"("field":"spec.tasks[0].nodeSelector"}})"));
  EXPECT_EQ(Run({"run", "--on", "a b", "--wait", "--", "true"}), 3);
  EXPECT_EQ(err_.str(), "error: INVALID_ARGUMENT: bad value (at spec.tasks[0].nodeSelector)\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(RunCommandTest, UsageErrorsReturnSixtyFourWithoutARequest) {
  EXPECT_EQ(Run({"run", "--wait"}), 64);                            // no command
  EXPECT_EQ(Run({"run", "--timeout", "soon", "--", "true"}), 64);   // bad duration
  EXPECT_EQ(Run({"run", "--name", "bad name", "--", "true"}), 64);  // bad job name
  EXPECT_EQ(Run({"run", "--on", "", "--", "true"}), 64);            // empty worker
  EXPECT_THAT(err_.str(), HasSubstr("invalid --timeout"));
  EXPECT_THAT(err_.str(), HasSubstr("invalid --name"));
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(RunCommandTest, UnreachableServerReturnsFour) {
  std::string url = "http://127.0.0.1:" + std::to_string(testing::UnusedPort());
  EXPECT_EQ(ClientCommandTest::Run({"run", "--server", url, "--", "true"}), 4);
}

}  // namespace
}  // namespace pipegrid::cli
