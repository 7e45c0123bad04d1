// End-to-end harness: starts the real `pipegrid` binary on free loopback
// ports and drives it over HTTP and through its CLI, as a user would.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/http_client.h"
#include "support/test_util.h"

namespace pipegrid::e2e {

// Path of the binary under test ($PIPEGRID_BIN, set by CMake).
std::string BinaryPath();

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `pipegrid ARGS...` to completion, with optional stdin, capturing output.
CommandResult RunCli(const std::vector<std::string>& args, const std::string& stdin_text = "");

// How to start a server: `up` or `master`, where its stderr goes.
struct ServerConfig {
  std::string command = "up";
  std::string grpc = "127.0.0.1:0";  // --grpc
  std::string stderr_path;           // empty: inherited
  std::string token;                 // bearer token for http() (--auth required)
};

// A `pipegrid up` (or `master`) in the background. The destructor SIGKILLs it
// if it still runs, so no test leaves a server behind.
class Server {
 public:
  // Starts `pipegrid up --data-dir DIR --http 127.0.0.1:0 ... EXTRA` and waits
  // for its ready line. Fails the test (ADD_FAILURE) if it does not come.
  Server(const std::string& data_dir, std::vector<std::string> extra_args = {});
  Server(const ServerConfig& config, const std::string& data_dir,
         std::vector<std::string> extra_args = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  bool ready() const { return !url_.empty(); }
  const std::string& url() const { return url_; }
  // The worker protocol address from the ready line ("127.0.0.1:PORT").
  const std::string& grpc() const { return grpc_; }
  pid_t pid() const { return pid_; }
  const cli::HttpClient& http() const { return *client_; }

  // Sends `sig` and waits for the process to exit; returns its exit code
  // (128 + signal when killed by one).
  int Stop(int sig);

  // HTTP helpers: JSON in, JSON out (null body on non-JSON answers).
  struct Reply {
    int status = 0;
    nlohmann::json body;
    std::string raw;
  };
  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& content_type = "application/yaml") const;
  // Submits a YAML spec; returns the job id (fails the test on non-201).
  std::string Submit(const std::string& yaml) const;
  nlohmann::json GetJob(const std::string& id) const;
  // Polls the job until it is finished or `timeout` passes; returns it.
  nlohmann::json WaitFinished(const std::string& id,
                              std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // Polls until `pred(job)` holds or `timeout` passes; returns the last job.
  nlohmann::json WaitFor(const std::string& id, const std::function<bool(const nlohmann::json&)>& pred,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  // GET /api/v1/workers: the worker named `name` (null if not listed).
  nlohmann::json GetWorker(const std::string& name) const;
  // Polls until the worker is listed in `state` or `timeout` passes; returns
  // whether it got there.
  bool WaitWorkerState(const std::string& name, const std::string& state,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

 private:
  void Start(const ServerConfig& config, const std::string& data_dir,
             std::vector<std::string> extra_args);
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string url_;
  std::string grpc_;
  std::optional<cli::HttpClient> client_;
};

// A `pipegrid worker --master ADDR --name NAME --work-dir DIR EXTRA...` in the
// background, its stderr in `stderr_path` (if given). `prefix` runs it
// through another program (`ip netns exec NS`). The destructor SIGKILLs it.
class WorkerProcess {
 public:
  WorkerProcess(const std::string& master, const std::string& name, const std::string& work_dir,
                std::vector<std::string> extra_args = {}, const std::string& stderr_path = "",
                std::vector<std::string> prefix = {});
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `sig` and waits for the exit; returns the exit code (128 + signal
  // when killed by one), -1 if it did not exit within `timeout`.
  int Stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  pid_t pid_ = -1;
};

// Spawns argv[0] with stdout and stderr to `log_path` ("" inherits); -1 on failure.
pid_t SpawnLogged(std::vector<std::string> args, const std::string& log_path);

// The task named `name` in a Job JSON (null if absent).
nlohmann::json TaskOf(const nlohmann::json& job, const std::string& name);

// True while a process with this pid exists and is not a zombie.
bool ProcessAlive(pid_t pid);
// Polls until the pid is gone or `timeout` passes; returns whether it is gone.
bool WaitGone(pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(10));
// Polls until the file exists with non-empty content; returns it ("" on timeout).
std::string WaitForFile(const std::string& path,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));
std::string ReadFile(const std::string& path);

}  // namespace pipegrid::e2e
