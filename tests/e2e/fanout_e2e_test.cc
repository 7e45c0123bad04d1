// forEach, outputs and inputs through the real binary (issue 8), on `up` and
// on a master with two workers.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "e2e_support.h"

namespace pipegrid::e2e {
namespace {

using pipegrid::testing::TempDir;

// The pipeline of the issue: fetch writes a list, one ocr instance per line,
// join concatenates every instance's output in item order. Instance 2 fails
// its first attempt (a marker file remembers it), and is retried alone.
// MARKER is replaced by a path unique to the test (WithMarker).
std::string Pipeline() {
  return R"Y(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: fanout}
spec:
  tasks:
    - name: fetch
      steps: [{commands: ["seq 1 12 > list.txt"]}]
      outputs: {files: [list.txt]}
    - name: ocr
      dependsOn: [fetch]
      forEach: {from: fetch, file: list.txt}
      spread: true
      retry: {limit: 1, backoff: {initial: 100ms}}
      steps:
        - commands:
            - 'if [ "$PIPEGRID_ITEM_INDEX" = 2 ] && [ ! -e MARKER ]; then touch MARKER; exit 7; fi'
            - echo "page $PIPEGRID_ITEM" > out.txt
      outputs: {files: [out.txt]}
    - name: join
      dependsOn: [ocr]
      steps:
        - commands:
            - 'for i in $(seq 0 11); do cat "inputs/ocr[$i]/out.txt"; done > all.txt'
            - 'test ! -w "inputs/ocr[0]/out.txt" || [ "$(id -u)" = 0 ]'
      outputs: {files: [all.txt]}
)Y";
}

std::string WithMarker(const std::string& marker) {
  std::string yaml = Pipeline();
  for (size_t p = yaml.find("MARKER"); p != std::string::npos; p = yaml.find("MARKER", p)) {
    yaml.replace(p, 6, marker);
  }
  return yaml;
}

std::string Expected() {
  std::ostringstream out;
  for (int i = 1; i <= 12; ++i) out << "page " << i << "\n";
  return out.str();
}

void CheckPipeline(const Server& server, const std::string& id) {
  nlohmann::json job = server.WaitFinished(id);
  ASSERT_EQ(job["state"], "SUCCEEDED") << job.dump(2);
  EXPECT_EQ(TaskOf(job, "ocr")["state"], "SUCCEEDED");
  int instances = 0;
  for (const auto& t : job["tasks"]) {
    std::string name = t["name"];
    if (name.rfind("ocr[", 0) != 0) continue;
    ++instances;
    // Only instance 2 needed a second attempt.
    EXPECT_EQ(t["attempts"].size(), name == "ocr[2]" ? 2u : 1u) << t.dump(2);
  }
  EXPECT_EQ(instances, 12);
  EXPECT_EQ(job["counters"]["SUCCEEDED"], 15);  // fetch, ocr, 12 instances, join
  auto all = server.Call("GET", "/api/v1/jobs/" + id + "/tasks/join/outputs/all.txt");
  EXPECT_EQ(all.status, 200);
  EXPECT_EQ(all.raw, Expected());
  auto one = server.Call("GET", "/api/v1/jobs/" + id + "/tasks/ocr%5B3%5D/logs");
  EXPECT_EQ(one.status, 200);
}

// `make` on worker `from` keeps 50 MB of random bytes and their checksum;
// `check` on worker `to` verifies its copy under inputs/.
void CheckBigOutput(const Server& server, const std::string& from, const std::string& to) {
  std::string id = server.Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: big}
spec:
  tasks:
    - name: make
      nodeSelector: {pipegrid.io/worker: )" + from + R"(}
      steps: [{commands: ["head -c 52428800 /dev/urandom > big.bin", "sha256sum big.bin > sum.txt"]}]
      outputs: {files: [big.bin, sum.txt]}
    - name: check
      dependsOn: [make]
      nodeSelector: {pipegrid.io/worker: )" + to + R"(}
      steps: [{commands: ["cd inputs/make && sha256sum -c sum.txt"]}]
)");
  nlohmann::json job = server.WaitFinished(id, std::chrono::seconds(120));
  EXPECT_EQ(job["state"], "SUCCEEDED") << job.dump(2);
  EXPECT_EQ(server.Call("GET", "/api/v1/jobs/" + id + "/tasks/check/logs").raw, "big.bin: OK\n");
  nlohmann::json kept = TaskOf(job, "make")["outputs"];
  ASSERT_EQ(kept.size(), 2u) << kept.dump();
  EXPECT_EQ(kept[0]["path"], "big.bin");
  EXPECT_EQ(kept[0]["size"], 52428800);
}

void CheckMissingOutput(const Server& server) {
  std::string id = server.Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: missing}
spec:
  tasks:
    - {name: make, steps: [{commands: ["touch other.txt"]}], outputs: {files: [result.csv]}}
)");
  nlohmann::json job = server.WaitFinished(id);
  EXPECT_EQ(job["state"], "FAILED");
  nlohmann::json task = TaskOf(job, "make");
  EXPECT_EQ(task["attempts"][0]["outcome"], "exit");
  EXPECT_NE(std::string(task["reason"]).find("declared output result.csv is missing"),
            std::string::npos)
      << job.dump(2);
}

void CheckFanOutLimit(const Server& server, int limit) {
  std::string items;
  for (int i = 0; i <= limit; ++i) items += (i ? ", " : "") + std::to_string(i);
  std::string id = server.Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: wide}
spec:
  tasks:
    - {name: ocr, forEach: {items: [)" + items + R"(]}, steps: [{commands: ["true"]}]}
)");
  nlohmann::json job = server.WaitFinished(id);
  EXPECT_EQ(job["state"], "FAILED");
  EXPECT_EQ(TaskOf(job, "ocr")["reason"],
            "forEach: " + std::to_string(limit + 1) + " items, more than --max-fanout " +
                std::to_string(limit));
}

TEST(FanOutE2E, FetchForEachJoinOnUp) {
  TempDir dir;
  Server up(dir.Sub("data"), {"--slots", "2"});
  ASSERT_TRUE(up.ready());
  CheckPipeline(up, up.Submit(WithMarker(dir.Sub("marker"))));
}

TEST(FanOutE2E, FetchForEachJoinOnAMasterWithTwoWorkers) {
  TempDir dir;
  ServerConfig config;
  config.command = "master";
  config.stderr_path = dir.Sub("master.log");
  Server master(config, dir.Sub("master"), {"--max-fanout", "20"});
  ASSERT_TRUE(master.ready());
  WorkerProcess w1(master.grpc(), "w1", dir.Sub("w1"), {"--slots", "2"}, dir.Sub("w1.log"));
  WorkerProcess w2(master.grpc(), "w2", dir.Sub("w2"), {"--slots", "2"}, dir.Sub("w2.log"));
  ASSERT_TRUE(master.WaitWorkerState("w1", "READY"));
  ASSERT_TRUE(master.WaitWorkerState("w2", "READY"));
  std::string id = master.Submit(WithMarker(dir.Sub("marker")));
  CheckPipeline(master, id);
  // spread: the instances ran on both workers.
  std::set<std::string> workers;
  nlohmann::json done = master.GetJob(id);
  for (const auto& t : done["tasks"]) {
    if (std::string(t["name"]).rfind("ocr[", 0) == 0) workers.insert(t.value("worker", ""));
  }
  EXPECT_EQ(workers, (std::set<std::string>{"w1", "w2"}));

  // A 50 MB output made on one worker reaches a task on the other intact.
  CheckBigOutput(master, "w1", "w2");
  // A declared output that is missing fails the attempt, on a remote worker too.
  CheckMissingOutput(master);
  CheckFanOutLimit(master, 20);
}

TEST(FanOutE2E, AFiftyMegabyteOutputArrivesIntactOnUp) {
  TempDir dir;
  Server up(dir.Sub("data"), {"--name", "solo"});
  ASSERT_TRUE(up.ready());
  CheckBigOutput(up, "solo", "solo");
  CheckMissingOutput(up);
}

TEST(FanOutE2E, TheFanOutLimitIsEnforced) {
  TempDir dir;
  Server up(dir.Sub("data"), {"--max-fanout", "3"});
  ASSERT_TRUE(up.ready());
  CheckFanOutLimit(up, 3);
}

}  // namespace
}  // namespace pipegrid::e2e
