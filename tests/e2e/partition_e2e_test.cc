// A network partition (issue 4 item 6 and its namespace test): a worker in its
// own network namespace is cut off while it runs an attempt. The master,
// hearing no heartbeat, declares it LOST and runs the task again on another
// worker. When the link comes back, the cut-off worker reconnects and reports
// its late result, which the master refuses (fencing): the task keeps one
// recorded outcome although it ran twice.
//
// Needs CAP_NET_ADMIN and iproute2 (CI runs as root); skips where
// `ip netns add` is not permitted.
#include <gmock/gmock.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "e2e_support.h"

namespace pipegrid::e2e {
namespace {

using pipegrid::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using SteadyClock = std::chrono::steady_clock;

// The `ip` binary: on PATH, or where Debian puts it (PATH may lack sbin).
std::optional<std::string> FindIp() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    for (std::string d; std::getline(ss, d, ':');) dirs.push_back(d);
  }
  for (const char* d : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) dirs.push_back(d);
  for (const std::string& d : dirs) {
    std::string p = d + "/ip";
    if (!d.empty() && ::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

struct ToolRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

// Runs a tool to completion, its output captured through `scratch`.
ToolRun RunTool(std::vector<std::string> args, const std::string& scratch) {
  std::error_code ec;
  std::filesystem::remove(scratch, ec);
  ToolRun run;
  pid_t pid = SpawnLogged(std::move(args), scratch);
  if (pid < 0) return run;
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = ReadFile(scratch);
  return run;
}

// A network namespace joined to the host by a veth pair: the host side has
// 10.231.N.1/24, the namespace side 10.231.N.2/24. Names carry this process's
// pid, so concurrent runs do not collide. The destructor kills whatever still
// runs inside (a worker's orphaned task processes too) and deletes the
// namespace and the pair, also when the test failed half-way.
class Netns {
 public:
  // Null with the reason in `error` when the host does not let us build it.
  static std::unique_ptr<Netns> Create(const std::string& ip, const std::string& scratch_dir,
                                       std::string* error) {
    std::unique_ptr<Netns> net(new Netns(ip, scratch_dir));
    const std::string pid = std::to_string(::getpid());
    // A crashed earlier process with our pid may have left these behind.
    net->Ip({"netns", "del", "pg-" + pid});
    net->Ip({"link", "del", "pg" + pid + "h"});
    ToolRun add = net->Ip({"netns", "add", "pg-" + pid});
    if (add.exit_code != 0) {
      *error = "`ip netns add` is not permitted here (needs root / CAP_NET_ADMIN): " + add.out;
      return nullptr;
    }
    net->name_ = "pg-" + pid;
    net->host_veth_ = "pg" + pid + "h";
    const std::string ns_veth = "pg" + pid + "n";
    const std::string subnet = net->FreeSubnet();
    net->host_ip_ = subnet + ".1";
    const std::vector<std::vector<std::string>> steps = {
        {"link", "add", net->host_veth_, "type", "veth", "peer", "name", ns_veth},
        {"link", "set", ns_veth, "netns", net->name_},
        {"addr", "add", net->host_ip_ + "/24", "dev", net->host_veth_},
        {"link", "set", net->host_veth_, "up"},
        {"-n", net->name_, "addr", "add", subnet + ".2/24", "dev", ns_veth},
        {"-n", net->name_, "link", "set", ns_veth, "up"},
        {"-n", net->name_, "link", "set", "lo", "up"},
    };
    for (const auto& step : steps) {
      ToolRun r = net->Ip(step);
      if (r.exit_code != 0) {
        std::string cmd;
        for (const auto& a : step) cmd += " " + a;
        *error = "cannot set up the namespace: `ip" + cmd + "` failed: " + r.out;
        return nullptr;  // the destructor removes what was made
      }
    }
    return net;
  }

  ~Netns() {
    if (name_.empty()) return;
    // Processes in the namespace keep it (and the veth inside) alive after
    // `netns del`: kill them first. They are ours: the namespace is.
    ToolRun pids = Ip({"netns", "pids", name_});
    std::stringstream ss(pids.out);
    for (pid_t pid; ss >> pid;) ::kill(pid, SIGKILL);
    Ip({"link", "del", host_veth_});  // deletes its peer too
    Ip({"netns", "del", name_});
  }

  const std::string& name() const { return name_; }
  const std::string& host_ip() const { return host_ip_; }
  // The command prefix that runs a program inside the namespace.
  std::vector<std::string> Exec() const { return {ip_, "netns", "exec", name_}; }

  // Takes the host side down: nothing passes either way until Restore().
  bool Cut() { return Ip({"link", "set", host_veth_, "down"}).exit_code == 0; }
  bool Restore() { return Ip({"link", "set", host_veth_, "up"}).exit_code == 0; }

 private:
  Netns(std::string ip, const std::string& scratch_dir)
      : ip_(std::move(ip)), scratch_(scratch_dir + "/ip.out") {}

  ToolRun Ip(std::vector<std::string> args) {
    args.insert(args.begin(), ip_);
    return RunTool(std::move(args), scratch_);
  }

  // A 10.231.N /24 that no host interface uses yet, starting at a
  // pid-dependent N so that parallel runs rarely even probe the same one.
  std::string FreeSubnet() {
    const std::string used = Ip({"-4", "-o", "addr", "show"}).out;
    int start = static_cast<int>(::getpid() % 250);
    for (int i = 0; i < 250; ++i) {
      std::string subnet = "10.231." + std::to_string(1 + (start + i) % 250);
      if (used.find(subnet + ".") == std::string::npos) return subnet;
    }
    return "10.231.251";
  }

  std::string ip_;
  std::string scratch_;
  std::string name_;  // empty until `netns add` succeeded
  std::string host_veth_;
  std::string host_ip_;
};

// The value of a counter without labels in Prometheus text, -1 if absent.
double MetricValue(const std::string& text, const std::string& name) {
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

// Polls GET /metrics until the counter reaches `at_least` or `timeout` passes;
// returns its last value.
double WaitMetricAtLeast(const Server& server, const std::string& name, double at_least,
                         std::chrono::milliseconds timeout) {
  auto deadline = SteadyClock::now() + timeout;
  double value = -1;
  while (true) {
    value = MetricValue(server.Call("GET", "/metrics").raw, name);
    if (value >= at_least || SteadyClock::now() >= deadline) return value;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // poll interval
  }
}

constexpr char kJob[] = R"(apiVersion: pipegrid/v1
kind: Job
metadata: {name: partition}
spec:
  tasks:
    - name: late
      steps: [{commands: ["sleep 4; echo late"]}]
)";

TEST(PartitionE2E, CutOffWorkerIsLostItsTaskRunsElsewhereAndItsLateResultIsRefused) {
  std::optional<std::string> ip = FindIp();
  if (!ip) GTEST_SKIP() << "no `ip` binary (iproute2): cannot build a network namespace";
  TempDir dir;
  std::string why;
  std::unique_ptr<Netns> net = Netns::Create(*ip, dir.path().string(), &why);
  if (!net) GTEST_SKIP() << why;

  // Off loopback the master requires mutual TLS.
  const std::string tls = dir.Sub("tls");
  auto certs = RunCli({"certs", "--out", tls, "--hosts", net->host_ip()});
  ASSERT_EQ(certs.exit_code, 0) << certs.err;
  const std::string master_log = dir.Sub("master.log");
  // A listener off loopback: the API requires a token (DESIGN §6).
  auto token = RunCli({"token", "create", "--role", "admin", "--data-dir", dir.Sub("data")});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  ServerConfig config;
  config.command = "master";
  config.grpc = net->host_ip() + ":0";
  config.token = token.out.substr(0, token.out.find('\n'));
  config.stderr_path = master_log;
  Server master(config, dir.Sub("data"), {"--tls-dir", tls, "--worker-timeout", "2s"});
  ASSERT_TRUE(master.ready()) << ReadFile(master_log);
  ASSERT_THAT(master.grpc(), StartsWith(net->host_ip() + ":"));
  const std::vector<std::string> worker_flags = {"--slots", "1", "--tls-dir", tls};

  // Declared after `net`, so destroyed (killed) before the namespace goes.
  WorkerProcess cut(master.grpc(), "cut", dir.Sub("cut"), worker_flags, dir.Sub("cut.log"),
                    net->Exec());
  ASSERT_TRUE(master.WaitWorkerState("cut", "READY")) << ReadFile(dir.Sub("cut.log"));

  // The only worker takes the task.
  const std::string id = master.Submit(kJob);
  ASSERT_FALSE(id.empty());
  nlohmann::json job = master.WaitFor(id, [](const nlohmann::json& j) {
    nlohmann::json t = TaskOf(j, "late");
    return t["state"] == "RUNNING" && t["worker"] == "cut";
  });
  ASSERT_EQ(TaskOf(job, "late")["state"], "RUNNING");

  // A second worker on the host, reaching the master over the same address.
  WorkerProcess host(master.grpc(), "host", dir.Sub("host"), worker_flags, dir.Sub("host.log"));
  ASSERT_TRUE(master.WaitWorkerState("host", "READY")) << ReadFile(dir.Sub("host.log"));

  // Partition: the cut-off worker misses its lease (2s) and is LOST; its
  // attempt ends `lost` and the task runs again on the host worker.
  ASSERT_TRUE(net->Cut());
  EXPECT_TRUE(master.WaitWorkerState("cut", "LOST", std::chrono::seconds(15)))
      << master.GetWorker("cut").dump();
  job = master.WaitFinished(id, std::chrono::seconds(30));
  ASSERT_EQ(job["state"], "SUCCEEDED") << job.dump();
  nlohmann::json task = TaskOf(job, "late");
  ASSERT_EQ(task["attempts"].size(), 2u) << task.dump();
  EXPECT_EQ(task["attempts"][0]["worker"], "cut");
  EXPECT_EQ(task["attempts"][0]["outcome"], "lost");
  EXPECT_EQ(task["attempts"][1]["worker"], "host");
  EXPECT_EQ(task["attempts"][1]["outcome"], "succeeded");
  EXPECT_EQ(master.Call("GET", "/api/v1/jobs/" + id + "/tasks/late/logs?attempt=2").raw, "late\n");

  // Heal: the worker comes back, reports the result it held (its `sleep`
  // ended while cut off), and the master refuses it.
  ASSERT_TRUE(net->Restore());
  EXPECT_TRUE(master.WaitWorkerState("cut", "READY", std::chrono::seconds(30)))
      << master.GetWorker("cut").dump() << "\n"
      << ReadFile(dir.Sub("cut.log"));
  EXPECT_GE(WaitMetricAtLeast(master, "pipegrid_stale_results_total", 1, std::chrono::seconds(20)),
            1);
  EXPECT_THAT(ReadFile(master_log), HasSubstr("result refused"));

  // One recorded outcome: the refused result changed nothing.
  job = master.GetJob(id);
  EXPECT_EQ(job["state"], "SUCCEEDED");
  task = TaskOf(job, "late");
  ASSERT_EQ(task["attempts"].size(), 2u) << task.dump();
  EXPECT_EQ(task["attempts"][0]["outcome"], "lost");
  EXPECT_EQ(task["attempts"][1]["outcome"], "succeeded");
  EXPECT_EQ(task["worker"], "host");
}

}  // namespace
}  // namespace pipegrid::e2e
