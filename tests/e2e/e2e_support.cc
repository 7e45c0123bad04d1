#include "e2e_support.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace pipegrid::e2e {
namespace {

using Clock = std::chrono::steady_clock;

// Polling interval for conditions that only a real process or file can tell:
// the wait is bounded by a deadline and ends as soon as the condition holds.
constexpr auto kPoll = std::chrono::milliseconds(20);

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace

std::string BinaryPath() {
  const char* bin = std::getenv("PIPEGRID_BIN");
  return bin != nullptr ? bin : "pipegrid";
}

CommandResult RunCli(const std::vector<std::string>& args, const std::string& stdin_text) {
  std::vector<std::string> full = {BinaryPath()};
  full.insert(full.end(), args.begin(), args.end());
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe failed";
    return {};
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  pid_t pid = -1;
  auto argv = Argv(full);
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  CommandResult result;
  if (rc != 0) {
    ADD_FAILURE() << "cannot run " << argv[0];
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    return result;
  }
  // Small inputs only: written before reading, the pipe buffer holds them.
  if (!stdin_text.empty()) {
    ssize_t w = ::write(in[1], stdin_text.data(), stdin_text.size());
    (void)w;
  }
  ::close(in[1]);
  std::thread err_reader([&] { result.err = ReadAll(err[0]); });
  result.out = ReadAll(out[0]);
  err_reader.join();
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = ExitCodeOf(status);
  return result;
}

Server::Server(const std::string& data_dir, std::vector<std::string> extra_args) {
  Start(ServerConfig(), data_dir, std::move(extra_args));
}

Server::Server(const ServerConfig& config, const std::string& data_dir,
               std::vector<std::string> extra_args) {
  Start(config, data_dir, std::move(extra_args));
}

void Server::Start(const ServerConfig& config, const std::string& data_dir,
                   std::vector<std::string> extra_args) {
  std::vector<std::string> args = {BinaryPath(), config.command, "--data-dir", data_dir,
                                   "--http",     "127.0.0.1:0",  "--grpc",     config.grpc,
                                   "--log-level", config.stderr_path.empty() ? "warn" : "info"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe failed";
    return;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  if (!config.stderr_path.empty()) {
    posix_spawn_file_actions_addopen(&fa, 2, config.stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  auto argv = Argv(args);
  int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << argv[0];
    ::close(out[0]);
    pid_ = -1;
    return;
  }
  stdout_fd_ = out[0];
  // Read the ready line: "pipegrid ready: url=http://127.0.0.1:PORT ...".
  std::string line;
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (line.find('\n') == std::string::npos && Clock::now() < deadline) {
    pollfd p{stdout_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[512];
    ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) break;  // exited before ready
    line.append(buf, static_cast<size_t>(n));
  }
  auto pos = line.find("url=");
  if (pos == std::string::npos) {
    ADD_FAILURE() << "pipegrid up printed no ready line: " << line;
    return;
  }
  auto end = line.find(' ', pos);
  url_ = line.substr(pos + 4, end - pos - 4);
  if (auto g = line.find("grpc="); g != std::string::npos) {
    grpc_ = line.substr(g + 5, line.find(' ', g) - g - 5);
  }
  auto client = cli::HttpClient::Create(url_, config.token);
  if (!client.ok()) {
    ADD_FAILURE() << client.status().ToString();
    url_.clear();
    return;
  }
  client_ = std::move(*client);
}

Server::~Server() {
  if (pid_ > 0) Stop(SIGKILL);
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

int Server::Stop(int sig) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitCodeOf(status);
}

Server::Reply Server::Call(const std::string& method, const std::string& target,
                           const std::string& body, const std::string& content_type) const {
  Reply reply;
  auto r = client_->Request(method, target, body, body.empty() ? "" : content_type);
  if (!r.ok()) {
    ADD_FAILURE() << method << " " << target << ": " << r.status().ToString();
    return reply;
  }
  reply.status = r->status;
  reply.raw = r->body;
  reply.body = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  return reply;
}

std::string Server::Submit(const std::string& yaml) const {
  Reply r = Call("POST", "/api/v1/jobs", yaml);
  EXPECT_EQ(r.status, 201) << r.raw;
  if (r.status != 201 || !r.body.contains("id")) return "";
  return r.body["id"].get<std::string>();
}

nlohmann::json Server::GetJob(const std::string& id) const {
  Reply r = Call("GET", "/api/v1/jobs/" + id);
  EXPECT_EQ(r.status, 200) << r.raw;
  return r.body;
}

nlohmann::json Server::WaitFor(const std::string& id,
                               const std::function<bool(const nlohmann::json&)>& pred,
                               std::chrono::milliseconds timeout) const {
  auto deadline = Clock::now() + timeout;
  nlohmann::json job;
  while (true) {
    job = GetJob(id);
    if (job.is_object() && pred(job)) return job;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPoll);
  }
  ADD_FAILURE() << "condition not reached for job " << id << ": " << job.dump();
  return job;
}

nlohmann::json Server::WaitFinished(const std::string& id, std::chrono::milliseconds timeout) const {
  return WaitFor(
      id,
      [](const nlohmann::json& j) {
        std::string s = j.value("state", "");
        return s == "SUCCEEDED" || s == "FAILED" || s == "CANCELLED";
      },
      timeout);
}

nlohmann::json Server::GetWorker(const std::string& name) const {
  Reply r = Call("GET", "/api/v1/workers");
  if (r.status != 200 || !r.body.contains("items")) return nullptr;
  for (const auto& w : r.body["items"]) {
    if (w.value("name", "") == name) return w;
  }
  return nullptr;
}

bool Server::WaitWorkerState(const std::string& name, const std::string& state,
                             std::chrono::milliseconds timeout) const {
  auto deadline = Clock::now() + timeout;
  while (true) {
    nlohmann::json w = GetWorker(name);
    if (w.is_object() && w.value("state", "") == state) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPoll);
  }
}

pid_t SpawnLogged(std::vector<std::string> args, const std::string& log_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (!log_path.empty()) {
    posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
  }
  auto argv = Argv(args);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

WorkerProcess::WorkerProcess(const std::string& master, const std::string& name,
                             const std::string& work_dir, std::vector<std::string> extra_args,
                             const std::string& stderr_path, std::vector<std::string> prefix) {
  std::vector<std::string> args = std::move(prefix);
  for (std::string a : {BinaryPath(), std::string("worker"), std::string("--master"), master,
                        std::string("--name"), name, std::string("--work-dir"), work_dir}) {
    args.push_back(a);
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = SpawnLogged(std::move(args), stderr_path);
  if (pid_ < 0) ADD_FAILURE() << "cannot start worker " << name;
}

WorkerProcess::~WorkerProcess() {
  if (pid_ > 0) Stop(SIGKILL);
}

int WorkerProcess::Stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  auto deadline = Clock::now() + timeout;
  int status = 0;
  while (true) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (Clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      return -1;
    }
    std::this_thread::sleep_for(kPoll);
  }
  pid_ = -1;
  return ExitCodeOf(status);
}

nlohmann::json TaskOf(const nlohmann::json& job, const std::string& name) {
  if (!job.contains("tasks")) return nullptr;
  for (const auto& t : job["tasks"]) {
    if (t.value("name", "") == name) return t;
  }
  return nullptr;
}

bool ProcessAlive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string content((std::istreambuf_iterator<char>(stat)), {});
  auto close = content.rfind(')');
  if (close == std::string::npos || close + 2 >= content.size()) return false;
  char state = content[close + 2];
  return state != 'Z' && state != 'X';
}

bool WaitGone(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (ProcessAlive(pid)) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPoll);
  }
  return true;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string WaitForFile(const std::string& path, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    std::string s = ReadFile(path);
    if (!s.empty() && s.back() == '\n') return s;
    std::this_thread::sleep_for(kPoll);
  }
  return "";
}

}  // namespace pipegrid::e2e
