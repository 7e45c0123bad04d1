// Process lifecycle: kill -9 and restart loses nothing, one process per data
// dir, graceful SIGTERM.
#include <signal.h>

#include "e2e_support.h"

namespace pipegrid::e2e {
namespace {

using pipegrid::testing::TempDir;

TEST(LifecycleE2E, KillNineMidRunThenRestartLosesNothing) {
  TempDir dir;
  std::string data = dir.Sub("data");
  std::string pidfile = dir.Sub("long.pid");
  std::string runs = dir.Sub("runs.txt");
  std::vector<std::string> ids;
  {
    Server server(data, {"--slots", "2"});
    ASSERT_TRUE(server.ready());
    // A long task that records each start; it finishes on its second run.
    ids.push_back(server.Submit(
        "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: long}\nspec:\n  tasks:\n"
        "    - name: long\n      steps:\n        - commands:\n"
        "            - echo run >> " + runs + "\n"
        "            - if [ $(wc -l < " + runs + ") -lt 2 ]; then echo $$ > " + pidfile +
        "; sleep 300; fi\n"
        "    - name: next\n      dependsOn: [long]\n      steps: [{commands: [\"true\"]}]\n"));
    for (int i = 0; i < 5; ++i) {
      ids.push_back(server.Submit(
          "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: short" + std::to_string(i) +
          "}\nspec:\n  tasks:\n    - {name: a, steps: [{commands: [\"sleep 0.1\"]}]}\n"
          "    - {name: b, dependsOn: [a], steps: [{commands: [\"true\"]}]}\n"));
    }
    std::string pid = WaitForFile(pidfile);
    ASSERT_FALSE(pid.empty());
    pid_t orphan = static_cast<pid_t>(std::stol(pid));
    ASSERT_TRUE(ProcessAlive(orphan));
    EXPECT_EQ(server.Stop(SIGKILL), 128 + SIGKILL);
    // The task's process outlives the crash: the restart must deal with it.
    EXPECT_TRUE(ProcessAlive(orphan));

    Server restarted(data, {"--slots", "2"});
    ASSERT_TRUE(restarted.ready());
    EXPECT_TRUE(WaitGone(orphan)) << "leftover process group not killed";
    for (const std::string& id : ids) {
      auto job = restarted.WaitFinished(id);
      EXPECT_EQ(job["state"], "SUCCEEDED") << job.dump(2);
      for (const auto& task : job["tasks"]) {
        int succeeded = 0;
        for (const auto& a : task["attempts"]) succeeded += a["outcome"] == "succeeded";
        EXPECT_EQ(succeeded, 1) << "task " << task["name"] << " of " << id;
      }
    }
    auto long_task = TaskOf(restarted.GetJob(ids[0]), "long");
    ASSERT_EQ(long_task["attempts"].size(), 2u);
    EXPECT_EQ(long_task["attempts"][0]["outcome"], "lost");
  }
}

TEST(LifecycleE2E, SecondUpOnTheSameDataDirIsRefused) {
  TempDir dir;
  Server first(dir.Sub("data"));
  ASSERT_TRUE(first.ready());
  auto second = RunCli({"up", "--data-dir", dir.Sub("data"), "--http", "127.0.0.1:0"});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("in use by pid " + std::to_string(first.pid())), std::string::npos)
      << second.err;
  EXPECT_EQ(first.Call("GET", "/readyz").status, 200);
}

TEST(LifecycleE2E, SigtermInterruptsAndTheTaskRunsAgainAfterRestart) {
  TempDir dir;
  std::string data = dir.Sub("data");
  std::string runs = dir.Sub("runs.txt"), started = dir.Sub("started");
  std::string id;
  {
    Server server(data, {"--shutdown-grace", "5s"});
    ASSERT_TRUE(server.ready());
    id = server.Submit(
        "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: graceful}\nspec:\n  tasks:\n"
        "    - name: t\n      steps:\n        - commands:\n"
        "            - echo run >> " + runs + "\n"
        "            - if [ $(wc -l < " + runs + ") -lt 2 ]; then echo go > " + started +
        "; sleep 300; fi\n");
    ASSERT_FALSE(WaitForFile(started).empty());
    EXPECT_EQ(server.Stop(SIGTERM), 0);
  }
  Server restarted(data);
  ASSERT_TRUE(restarted.ready());
  auto job = restarted.WaitFinished(id);
  EXPECT_EQ(job["state"], "SUCCEEDED");
  auto attempts = TaskOf(job, "t")["attempts"];
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0]["outcome"], "interrupted");
  EXPECT_EQ(attempts[1]["outcome"], "succeeded");
}

TEST(LifecycleE2E, HealthReadinessAndMetrics) {
  TempDir dir;
  Server server(dir.Sub("data"));
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.Call("GET", "/healthz").status, 200);
  EXPECT_EQ(server.Call("GET", "/readyz").status, 200);
  std::string id = server.Submit(
      "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: m}\n"
      "spec:\n  tasks: [{name: t, steps: [{commands: [\"true\"]}]}]\n");
  server.WaitFinished(id);
  auto metrics = server.Call("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.raw.find("pipegrid_jobs{state=\"SUCCEEDED\"} 1"), std::string::npos)
      << metrics.raw;
  EXPECT_NE(metrics.raw.find("pipegrid_attempts_total{outcome=\"succeeded\"} 1"),
            std::string::npos);
  auto workers = server.Call("GET", "/api/v1/workers");
  ASSERT_EQ(workers.body["items"].size(), 1u);
  EXPECT_EQ(workers.body["items"][0]["state"], "READY");
}

}  // namespace
}  // namespace pipegrid::e2e
