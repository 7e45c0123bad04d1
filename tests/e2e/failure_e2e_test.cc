// Timeouts and cancellation leave no process behind.
#include <signal.h>

#include <fstream>

#include "e2e_support.h"

namespace pipegrid::e2e {
namespace {

using pipegrid::testing::TempDir;

pid_t ReadPid(const std::string& path) {
  std::string s = WaitForFile(path);
  return s.empty() ? 0 : static_cast<pid_t>(std::stol(s));
}

TEST(FailureE2E, TimeoutKillsGrandchild) {
  TempDir dir;
  Server server(dir.Sub("data"));
  ASSERT_TRUE(server.ready());
  std::string pidfile = dir.Sub("gc.pid");
  std::string id = server.Submit(
      "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: slow}\nspec:\n  tasks:\n"
      "    - name: slow\n      timeout: 1s\n      steps:\n        - commands:\n"
      "            - sh -c 'sleep 300 & echo $! > " + pidfile + "; wait'\n");
  pid_t grandchild = ReadPid(pidfile);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(ProcessAlive(grandchild));
  auto job = server.WaitFinished(id);
  EXPECT_EQ(job["state"], "FAILED");
  auto task = TaskOf(job, "slow");
  ASSERT_EQ(task["attempts"].size(), 1u);
  EXPECT_EQ(task["attempts"][0]["outcome"], "timeout");
  // The outcome is recorded once the attempt's processes are gone.
  EXPECT_FALSE(ProcessAlive(grandchild));
}

TEST(FailureE2E, CancelKillsTheProcessGroup) {
  TempDir dir;
  Server server(dir.Sub("data"), {"--cancel-grace", "5s"});
  ASSERT_TRUE(server.ready());
  std::string bg = dir.Sub("bg.pid"), fg = dir.Sub("fg.pid");
  std::string id = server.Submit(
      "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: cancel-me}\nspec:\n  tasks:\n"
      "    - name: busy\n      steps:\n        - commands:\n"
      "            - sleep 300 & echo $! > " + bg + "; echo $$ > " + fg + "; sleep 300\n"
      "    - name: after\n      dependsOn: [busy]\n      steps: [{commands: [\"true\"]}]\n");
  pid_t background = ReadPid(bg), shell = ReadPid(fg);
  ASSERT_GT(background, 0);
  ASSERT_GT(shell, 0);
  auto cancel = RunCli({"cancel", "--server", server.url(), id});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  auto job = server.WaitFinished(id);
  EXPECT_EQ(job["state"], "CANCELLED");
  EXPECT_EQ(TaskOf(job, "busy")["state"], "CANCELLED");
  EXPECT_EQ(TaskOf(job, "busy")["attempts"][0]["outcome"], "cancelled");
  EXPECT_EQ(TaskOf(job, "after")["state"], "CANCELLED");
  EXPECT_FALSE(ProcessAlive(background));
  EXPECT_FALSE(ProcessAlive(shell));

  // A finished job cannot be cancelled again: 409, CLI exit 3.
  auto again = RunCli({"cancel", "--server", server.url(), id});
  EXPECT_EQ(again.exit_code, 3);
  auto http = server.Call("POST", "/api/v1/jobs/" + id + "/cancel");
  EXPECT_EQ(http.status, 409);
}

TEST(FailureE2E, KillIgnoresTermTraps) {
  TempDir dir;
  Server server(dir.Sub("data"), {"--cancel-grace", "60s"});
  ASSERT_TRUE(server.ready());
  std::string fg = dir.Sub("fg.pid");
  std::string id = server.Submit(
      "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: stubborn}\nspec:\n  tasks:\n"
      "    - name: stubborn\n      steps:\n        - commands:\n"
      "            - trap '' TERM; echo $$ > " + fg + "; while true; do sleep 1; done\n");
  pid_t shell = ReadPid(fg);
  ASSERT_GT(shell, 0);
  auto kill = server.Call("POST", "/api/v1/jobs/" + id + "/kill");
  EXPECT_EQ(kill.status, 202) << kill.raw;
  // SIGKILL at once: well within the 60s cancel grace.
  auto job = server.WaitFinished(id, std::chrono::seconds(20));
  EXPECT_EQ(job["state"], "CANCELLED");
  EXPECT_EQ(TaskOf(job, "stubborn")["attempts"][0]["outcome"], "killed");
  EXPECT_FALSE(ProcessAlive(shell));
}

TEST(FailureE2E, RetryAndDeadLetterRequeueOverHttp) {
  TempDir dir;
  Server server(dir.Sub("data"));
  ASSERT_TRUE(server.ready());
  std::string flag = dir.Sub("fixed");
  std::string id = server.Submit(
      "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: fixme}\nspec:\n  tasks:\n"
      "    - name: check\n      steps: [{commands: [\"test -f " + flag + "\"]}]\n"
      "    - name: after\n      dependsOn: [check]\n      steps: [{commands: [\"true\"]}]\n");
  auto job = server.WaitFinished(id);
  ASSERT_EQ(job["state"], "FAILED");
  auto dl = server.Call("GET", "/api/v1/deadletters");
  ASSERT_EQ(dl.body["items"].size(), 1u);
  std::string task_id = dl.body["items"][0]["taskId"];

  std::ofstream(flag) << "ok\n";
  auto requeue = server.Call("POST", "/api/v1/deadletters/" + task_id + "/requeue");
  EXPECT_EQ(requeue.status, 202) << requeue.raw;
  job = server.WaitFinished(id);
  EXPECT_EQ(job["state"], "SUCCEEDED") << job.dump(2);
  EXPECT_EQ(TaskOf(job, "check")["attempts"].size(), 2u);
  EXPECT_EQ(TaskOf(job, "after")["state"], "SUCCEEDED");
  EXPECT_EQ(server.Call("GET", "/api/v1/deadletters").body["items"].size(), 0u);

  // Retry of a succeeded job is refused; delete works once finished.
  EXPECT_EQ(server.Call("POST", "/api/v1/jobs/" + id + "/retry").status, 409);
  EXPECT_EQ(server.Call("DELETE", "/api/v1/jobs/" + id).status, 204);
  EXPECT_EQ(server.Call("GET", "/api/v1/jobs/" + id).status, 404);
}

}  // namespace
}  // namespace pipegrid::e2e
