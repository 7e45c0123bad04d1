// The diamond DAG orders correctly and retry counts are exact, end to end.
#include <map>
#include <sstream>

#include "e2e_support.h"

namespace pipegrid::e2e {
namespace {

using pipegrid::testing::TempDir;

// Parses lines "start NAME NS" / "end NAME NS" written by the tasks.
std::map<std::string, long long> Marks(const std::string& text) {
  std::map<std::string, long long> marks;
  std::istringstream in(text);
  std::string what, name;
  long long ns;
  while (in >> what >> name >> ns) marks[what + " " + name] = ns;
  return marks;
}

TEST(DagE2E, DiamondRunsInDependencyOrder) {
  TempDir dir;
  Server server(dir.Sub("data"), {"--slots", "4"});
  ASSERT_TRUE(server.ready());
  std::string marks = dir.Sub("marks.txt");
  auto task = [&](const std::string& name, const std::string& deps) {
    return "    - name: " + name + "\n" + (deps.empty() ? "" : "      dependsOn: [" + deps + "]\n") +
           "      steps:\n        - commands:\n"
           "            - echo start " + name + " $(date +%s%N) >> " + marks + "\n"
           "            - sleep 0.2\n"
           "            - echo end " + name + " $(date +%s%N) >> " + marks + "\n";
  };
  std::string id = server.Submit("apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: diamond}\n"
                                 "spec:\n  tasks:\n" + task("a", "") + task("b", "a") +
                                 task("c", "a") + task("d", "b, c"));
  ASSERT_FALSE(id.empty());
  auto job = server.WaitFinished(id);
  ASSERT_EQ(job["state"], "SUCCEEDED") << job.dump(2);
  auto m = Marks(ReadFile(marks));
  ASSERT_EQ(m.size(), 8u) << ReadFile(marks);
  EXPECT_LE(m["end a"], m["start b"]);
  EXPECT_LE(m["end a"], m["start c"]);
  EXPECT_LE(m["end b"], m["start d"]);
  EXPECT_LE(m["end c"], m["start d"]);
  // b and c are independent: with 4 slots they overlap.
  EXPECT_LT(m["start b"], m["end c"]);
  EXPECT_LT(m["start c"], m["end b"]);
  for (const char* t : {"a", "b", "c", "d"}) {
    auto tj = TaskOf(job, t);
    EXPECT_EQ(tj["state"], "SUCCEEDED") << t;
    ASSERT_EQ(tj["attempts"].size(), 1u) << t;
    EXPECT_EQ(tj["attempts"][0]["outcome"], "succeeded");
  }
  EXPECT_EQ(job["counters"]["SUCCEEDED"], 4);
  EXPECT_EQ(job["counters"]["FAILED"], 0);
}

TEST(DagE2E, RetryCountsAreExact) {
  TempDir dir;
  Server server(dir.Sub("data"), {"--slots", "2"});
  ASSERT_TRUE(server.ready());
  std::string id = server.Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: retries}
spec:
  retry: {limit: 2, backoff: {initial: 50ms, factor: 2, jitter: 0}}
  tasks:
    - name: always-fails
      steps: [{commands: ["echo attempt $PIPEGRID_ATTEMPT; exit 7"]}]
    - name: third-time-lucky
      retry: {limit: 4}
      steps: [{commands: ["test $PIPEGRID_ATTEMPT -ge 3"]}]
    - name: never-runs
      dependsOn: [always-fails]
      steps: [{commands: ["true"]}]
)");
  auto job = server.WaitFinished(id);
  EXPECT_EQ(job["state"], "FAILED");
  auto fails = TaskOf(job, "always-fails");
  EXPECT_EQ(fails["state"], "FAILED");
  ASSERT_EQ(fails["attempts"].size(), 3u);  // 1 + limit
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(fails["attempts"][i]["number"], i + 1);
    EXPECT_EQ(fails["attempts"][i]["outcome"], "exit");
    EXPECT_EQ(fails["attempts"][i]["exitCode"], 7);
  }
  auto lucky = TaskOf(job, "third-time-lucky");
  EXPECT_EQ(lucky["state"], "SUCCEEDED");
  EXPECT_EQ(lucky["attempts"].size(), 3u);
  EXPECT_EQ(TaskOf(job, "never-runs")["state"], "SKIPPED");
  EXPECT_EQ(TaskOf(job, "never-runs")["attempts"].size(), 0u);

  auto dl = server.Call("GET", "/api/v1/deadletters");
  ASSERT_EQ(dl.status, 200);
  ASSERT_EQ(dl.body["items"].size(), 1u);
  EXPECT_EQ(dl.body["items"][0]["task"], "always-fails");
  EXPECT_EQ(dl.body["items"][0]["attempts"], 3);

  // The log of attempt 2 is that attempt's output.
  auto log = server.Call("GET", "/api/v1/jobs/" + id + "/tasks/always-fails/logs?attempt=2");
  EXPECT_EQ(log.status, 200);
  EXPECT_EQ(log.raw, "attempt 2\n");
}

TEST(DagE2E, LegacyFormatRunsAsOneTask) {
  TempDir dir;
  Server server(dir.Sub("data"));
  ASSERT_TRUE(server.ready());
  auto r = server.Call("POST", "/api/v1/jobs",
                       R"({"pipeline":[{"executorName":"shell","commands":["echo one > f"]},)"
                       R"({"executorName":"shell","commands":["cat f"]}]})",
                       "application/json");
  ASSERT_EQ(r.status, 201) << r.raw;
  std::string id = r.body["id"];
  EXPECT_EQ(r.body["name"], "legacy-" + id);
  auto job = server.WaitFinished(id);
  EXPECT_EQ(job["state"], "SUCCEEDED");
  auto log = server.Call("GET", "/api/v1/jobs/" + id + "/tasks/main/logs");
  EXPECT_EQ(log.raw, "one\n");
}

TEST(DagE2E, IdempotentSubmitByExternalId) {
  TempDir dir;
  Server server(dir.Sub("data"));
  ASSERT_TRUE(server.ready());
  std::string spec =
      "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: once, externalId: order-4711}\n"
      "spec:\n  tasks: [{name: t, steps: [{commands: [\"true\"]}]}]\n";
  auto first = server.Call("POST", "/api/v1/jobs", spec);
  ASSERT_EQ(first.status, 201) << first.raw;
  auto again = server.Call("POST", "/api/v1/jobs", spec);
  EXPECT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["id"], first.body["id"]);
  std::string other = spec;
  other.replace(other.find("true"), 4, "false");
  auto conflict = server.Call("POST", "/api/v1/jobs", other);
  EXPECT_EQ(conflict.status, 409) << conflict.raw;
  auto by_ext = server.Call("GET", "/api/v1/jobs/by-external-id/order-4711?namespace=default");
  EXPECT_EQ(by_ext.status, 200);
  EXPECT_EQ(by_ext.body["id"], first.body["id"]);
}

}  // namespace
}  // namespace pipegrid::e2e
