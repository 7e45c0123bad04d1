// `pipegrid master` with real `pipegrid worker` processes on loopback
// (issue 4): placement over workers, loss of a worker, loss of the master,
// drain, and mutual TLS refusing strangers.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "e2e_support.h"

namespace pipegrid::e2e {
namespace {

using pipegrid::testing::TempDir;

// A master on 127.0.0.1 and its log, with workers joining it.
class DistributedTest : public ::testing::Test {
 protected:
  std::unique_ptr<Server> StartMaster(std::vector<std::string> extra = {},
                                      const std::string& grpc = "127.0.0.1:0") {
    ServerConfig config;
    config.command = "master";
    config.grpc = grpc;
    config.stderr_path = master_log();
    auto server = std::make_unique<Server>(config, dir_.Sub("master"), std::move(extra));
    EXPECT_TRUE(server->ready());
    return server;
  }
  std::unique_ptr<WorkerProcess> StartWorker(const Server& master, const std::string& name,
                                             std::vector<std::string> extra = {}) {
    auto w = std::make_unique<WorkerProcess>(master.grpc(), name, dir_.Sub("work-" + name),
                                             std::move(extra), worker_log(name));
    EXPECT_TRUE(master.WaitWorkerState(name, "READY")) << ReadFile(worker_log(name));
    return w;
  }
  std::string master_log() { return dir_.Sub("master.log"); }
  std::string worker_log(const std::string& name) { return dir_.Sub(name + ".log"); }

  TempDir dir_;
};

std::map<std::string, std::string> WorkerOfTasks(const nlohmann::json& job) {
  std::map<std::string, std::string> out;
  for (const auto& t : job["tasks"]) out[t["name"]] = t.value("worker", "");
  return out;
}

TEST_F(DistributedTest, TasksSpreadOverWorkersAndSelectorsPinThem) {
  auto master = StartMaster();
  auto w1 = StartWorker(*master, "w1", {"--slots", "2"});
  auto w2 = StartWorker(*master, "w2", {"--slots", "2", "--labels", "disk=ssd", "--zone", "z2"});
  nlohmann::json listed = master->GetWorker("w2");
  EXPECT_EQ(listed["labels"]["disk"], "ssd");
  EXPECT_EQ(listed["labels"]["pipegrid.io/zone"], "z2");
  EXPECT_EQ(listed["slots"], 2);

  std::string id = master->Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: placed}
spec:
  tasks:
    - {name: s1, spread: true, steps: [{commands: ["echo from s1"]}]}
    - {name: s2, spread: true, steps: [{commands: ["echo from s2"]}]}
    - {name: s3, spread: true, steps: [{commands: ["echo from s3"]}]}
    - {name: s4, spread: true, steps: [{commands: ["echo from s4"]}]}
    - {name: ssd, nodeSelector: {disk: ssd}, steps: [{commands: ["echo on ssd"]}]}
    - {name: one, nodeSelector: {pipegrid.io/worker: w1}, steps: [{commands: ["echo on w1"]}]}
)");
  nlohmann::json job = master->WaitFinished(id);
  ASSERT_EQ(job["state"], "SUCCEEDED") << job.dump(2);
  auto where = WorkerOfTasks(job);
  EXPECT_EQ(where["ssd"], "w2");
  EXPECT_EQ(where["one"], "w1");
  int on_w1 = 0;
  for (const char* t : {"s1", "s2", "s3", "s4"}) on_w1 += where[t] == "w1";
  EXPECT_EQ(on_w1, 2) << job.dump(2);  // spread: two each

  // Output ran on the workers and was streamed to the master.
  auto logs = master->Call("GET", "/api/v1/jobs/" + id + "/tasks/s3/logs");
  EXPECT_EQ(logs.raw, "from s3\n");
  logs = master->Call("GET", "/api/v1/jobs/" + id + "/tasks/ssd/logs");
  EXPECT_EQ(logs.raw, "on ssd\n");
}

TEST_F(DistributedTest, AKilledWorkersTasksFinishOnAnotherAndItShowsLost) {
  auto master = StartMaster({"--worker-timeout", "2s"});
  auto w1 = StartWorker(*master, "w1", {"--slots", "2"});
  std::string id = master->Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: sleeps}
spec:
  tasks:
    - {name: a, steps: [{commands: ["sleep 1; echo a done"]}]}
    - {name: b, steps: [{commands: ["sleep 1; echo b done"]}]}
)");
  master->WaitFor(id, [](const nlohmann::json& j) {
    return TaskOf(j, "a")["state"] == "RUNNING" && TaskOf(j, "b")["state"] == "RUNNING";
  });
  auto w2 = StartWorker(*master, "w2", {"--slots", "2"});
  EXPECT_EQ(w1->Stop(SIGKILL), 128 + SIGKILL);

  nlohmann::json job = master->WaitFinished(id);
  ASSERT_EQ(job["state"], "SUCCEEDED") << job.dump(2);
  for (const char* t : {"a", "b"}) {
    nlohmann::json task = TaskOf(job, t);
    ASSERT_EQ(task["attempts"].size(), 2u) << task.dump(2);
    EXPECT_EQ(task["attempts"][0]["worker"], "w1");
    EXPECT_EQ(task["attempts"][0]["outcome"], "lost");
    EXPECT_EQ(task["attempts"][1]["worker"], "w2");
    EXPECT_EQ(task["attempts"][1]["outcome"], "succeeded");
  }
  EXPECT_TRUE(master->WaitWorkerState("w1", "LOST"));
  EXPECT_EQ(master->GetWorker("w2")["state"], "READY");
  EXPECT_EQ(master->Call("GET", "/api/v1/jobs/" + id + "/tasks/a/logs").raw, "a done\n");
}

// Appends a line per run of a task to a file, so the test sees every run.
std::string RecordingJob(const std::string& runs_file, int n) {
  std::ostringstream yaml;
  yaml << "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: load}\nspec:\n  tasks:\n";
  for (int i = 0; i < n; ++i) {
    yaml << "    - {name: t" << i << ", steps: [{commands: [\"sleep 0.2; echo $PIPEGRID_JOB_ID/t"
         << i << " >> " << runs_file << "\"]}]}\n";
  }
  return yaml.str();
}

TEST_F(DistributedTest, AMasterKilledUnderLoadLosesNothingAndRunsNothingTwice) {
  const std::string runs = dir_.Sub("runs.txt");
  std::vector<std::string> ids;
  std::string grpc;
  // The workers outlive the first master.
  std::unique_ptr<WorkerProcess> w1, w2;
  {
    auto master = StartMaster();
    grpc = master->grpc();
    w1 = std::make_unique<WorkerProcess>(grpc, "w1", dir_.Sub("work-w1"),
                                         std::vector<std::string>{"--slots", "2"},
                                         worker_log("w1"));
    w2 = std::make_unique<WorkerProcess>(grpc, "w2", dir_.Sub("work-w2"),
                                         std::vector<std::string>{"--slots", "2"},
                                         worker_log("w2"));
    ASSERT_TRUE(master->WaitWorkerState("w1", "READY"));
    ASSERT_TRUE(master->WaitWorkerState("w2", "READY"));
    for (int i = 0; i < 6; ++i) ids.push_back(master->Submit(RecordingJob(runs, 4)));
    // Under load: something is running when the master dies.
    master->WaitFor(ids[0], [](const nlohmann::json& j) {
      return j["counters"].value("RUNNING", 0) > 0;
    });
    EXPECT_EQ(master->Stop(SIGKILL), 128 + SIGKILL);
  }
  // Same data dir, same address: the workers reconnect on their own.
  auto master = StartMaster({}, grpc);
  for (const std::string& id : ids) {
    nlohmann::json job = master->WaitFinished(id);
    EXPECT_EQ(job["state"], "SUCCEEDED") << job.dump(2);
    for (const auto& t : job["tasks"]) {
      // One outcome per task: adopted attempts finished where they ran.
      int succeeded = 0;
      for (const auto& a : t["attempts"]) succeeded += a["outcome"] == "succeeded";
      EXPECT_EQ(succeeded, 1) << t.dump(2);
    }
  }
  // Nothing ran twice: every task wrote its line exactly once.
  std::ifstream in(runs);
  std::multiset<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.insert(line);
  EXPECT_EQ(lines.size(), ids.size() * 4);
  for (const std::string& l : lines) EXPECT_EQ(lines.count(l), 1u) << l;
  EXPECT_TRUE(master->WaitWorkerState("w1", "READY"));
  EXPECT_EQ(w1->Stop(SIGTERM), 0) << ReadFile(worker_log("w1"));
  EXPECT_TRUE(master->WaitWorkerState("w1", "GONE"));
}

TEST_F(DistributedTest, DrainFinishesWorkBeforeTheWorkerLeaves) {
  auto master = StartMaster();
  auto w1 = StartWorker(*master, "w1", {"--slots", "2"});
  auto w2 = StartWorker(*master, "w2", {"--slots", "1"});
  std::string id = master->Submit(R"(
apiVersion: pipegrid/v1
kind: Job
metadata: {name: drained}
spec:
  tasks:
    - {name: a, nodeSelector: {pipegrid.io/worker: w1}, steps: [{commands: ["sleep 1; echo a"]}]}
    - {name: b, nodeSelector: {pipegrid.io/worker: w2}, steps: [{commands: ["sleep 1; echo b"]}]}
)");
  master->WaitFor(id, [](const nlohmann::json& j) {
    return TaskOf(j, "a")["state"] == "RUNNING" && TaskOf(j, "b")["state"] == "RUNNING";
  });
  // w1 through the API, w2 by SIGTERM: both finish their task, then leave.
  EXPECT_EQ(master->Call("POST", "/api/v1/workers/w1/drain").status, 202);
  EXPECT_EQ(master->GetWorker("w1")["state"], "DRAINING");
  ::kill(w2->pid(), SIGTERM);
  nlohmann::json job = master->WaitFinished(id);
  ASSERT_EQ(job["state"], "SUCCEEDED") << job.dump(2);
  EXPECT_EQ(TaskOf(job, "a")["attempts"].size(), 1u);
  EXPECT_EQ(TaskOf(job, "b")["attempts"].size(), 1u);
  EXPECT_EQ(w1->Stop(0), 0) << ReadFile(worker_log("w1"));  // exits by itself
  EXPECT_EQ(w2->Stop(0), 0) << ReadFile(worker_log("w2"));
  EXPECT_TRUE(master->WaitWorkerState("w1", "GONE"));
  EXPECT_TRUE(master->WaitWorkerState("w2", "GONE"));
  EXPECT_EQ(master->Call("POST", "/api/v1/workers/w1/drain").status, 404);
}

TEST_F(DistributedTest, MutualTlsRefusesAForeignCaAndPlaintext) {
  ASSERT_EQ(RunCli({"certs", "--out", dir_.Sub("tls"), "--hosts", "localhost"}).exit_code, 0);
  ASSERT_EQ(RunCli({"certs", "--out", dir_.Sub("other"), "--hosts", "localhost"}).exit_code, 0);
  auto master = StartMaster({"--tls-dir", dir_.Sub("tls")});
  std::string port = master->grpc().substr(master->grpc().rfind(':') + 1);
  WorkerProcess foreign("localhost:" + port, "foreign", dir_.Sub("work-foreign"),
                        {"--tls-dir", dir_.Sub("other")}, worker_log("foreign"));
  WorkerProcess plain("127.0.0.1:" + port, "plain", dir_.Sub("work-plain"), {},
                      worker_log("plain"));
  WorkerProcess good("localhost:" + port, "good", dir_.Sub("work-good"),
                     {"--tls-dir", dir_.Sub("tls")}, worker_log("good"));
  ASSERT_TRUE(master->WaitWorkerState("good", "READY")) << ReadFile(worker_log("good"));
  // Both strangers keep trying and are refused at the handshake each time.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto refusals = [&] {
    std::string log = ReadFile(master_log());
    size_t n = 0;
    for (size_t p = log.find("TLS handshake failed"); p != std::string::npos;
         p = log.find("TLS handshake failed", p + 1)) {
      ++n;
    }
    return n;
  };
  while (refusals() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(refusals(), 2u) << ReadFile(master_log());
  EXPECT_TRUE(master->GetWorker("foreign").is_null());
  EXPECT_TRUE(master->GetWorker("plain").is_null());
  EXPECT_NE(ReadFile(worker_log("foreign")).find("certificate verify failed"), std::string::npos)
      << ReadFile(worker_log("foreign"));
}

TEST_F(DistributedTest, TheSameNameFromAnotherMachineIsRefused) {
  auto master = StartMaster();
  auto w1 = StartWorker(*master, "w1");
  // Another work dir: another instance id under a live name.
  WorkerProcess twin(master->grpc(), "w1", dir_.Sub("work-twin"), {}, worker_log("twin"));
  std::string log;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (log.find("live with another instance id") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    log = ReadFile(worker_log("twin"));
  }
  EXPECT_NE(log.find("live with another instance id"), std::string::npos) << log;
  EXPECT_EQ(master->GetWorker("w1")["state"], "READY");
}

TEST_F(DistributedTest, ANonLoopbackListenerWithoutTlsRefusesToStart) {
  auto r = RunCli({"master", "--data-dir", dir_.Sub("m"), "--http", "127.0.0.1:0", "--grpc",
                   "0.0.0.0:0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--tls-dir"), std::string::npos) << r.err;
  r = RunCli({"worker", "--master", "192.0.2.1:7070", "--work-dir", dir_.Sub("w")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--tls-dir"), std::string::npos) << r.err;
  // The worker direct API is never served without mutual TLS.
  r = RunCli({"worker", "--master", "127.0.0.1:1", "--work-dir", dir_.Sub("w"), "--listen",
              "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--listen requires --tls-dir"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pipegrid::e2e
