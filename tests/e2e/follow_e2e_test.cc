// Watching a job from outside the real binary: the followed log over HTTP and
// `pipegrid logs -f` while the task runs, the events stream of a job,
// /metrics after it, and the InfluxDB push of `up --influx-url`. A task
// blocks on a FIFO until the test has seen its first output, so "before the
// task ends" is proven, not hoped for.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "e2e_support.h"
#include "support/fifo_gate.h"
#include "unit/api/recording_server.h"
#include "unit/api/stream_client.h"

extern char** environ;

namespace pipegrid::e2e {
namespace {

using pipegrid::testing::TempDir;

std::string WriteSpec(const TempDir& dir, const std::string& command) {
  std::string path = dir.Sub("job.yaml");
  std::ofstream(path) << "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: watched}\n"
                         "spec:\n  tasks:\n    - name: main\n      steps: [{commands: ['"
                      << command << "']}]\n";
  return path;
}

using Gate = pipegrid::testing::FifoGate;

// `pipegrid ARGS...` in the background; Finish() collects its output and
// exit code.
class BackgroundCli {
 public:
  explicit BackgroundCli(std::vector<std::string> args) {
    args.insert(args.begin(), BinaryPath());
    int out[2];
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    out_ = out[0];
  }
  ~BackgroundCli() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
    ::close(out_);
  }

  // Reads to EOF, then reaps the process; returns its exit code.
  int Finish() {
    while (ReadSome()) {
    }
    return Wait();
  }
  // Reads until the output contains `text`; false if the CLI ended first.
  bool ReadUntil(const std::string& text) {
    while (out_text_.find(text) == std::string::npos) {
      if (!ReadSome()) return false;
    }
    return true;
  }
  const std::string& out() const { return out_text_; }

 private:
  // Appends what the CLI printed next; false at EOF. The 30 s poll limit is
  // a safety net against a hang, not a wait.
  bool ReadSome() {
    for (;;) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 30'000) <= 0) return false;
      char buf[4096];
      ssize_t n = ::read(out_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      out_text_.append(buf, static_cast<size_t>(n));
      return true;
    }
  }
  int Wait() {
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string out_text_;
};

TEST(FollowE2E, LogsFollowStreamsWhileTheTaskRunsOverHttpAndTheCli) {
  TempDir dir;
  Server server(dir.Sub("data"));
  ASSERT_TRUE(server.ready());
  Gate gate(dir.Sub("gate"));
  auto submitted =
      RunCli({"submit", "--server", server.url(),
              WriteSpec(dir, "echo first; read x < " + gate.path() + "; echo second")});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  std::string id = submitted.out.substr(0, submitted.out.find('\n'));
  uint16_t port =
      static_cast<uint16_t>(std::stoi(server.url().substr(server.url().rfind(':') + 1)));

  api::testing::StreamClient http(port, "/api/v1/jobs/" + id + "/tasks/main/logs?follow=true");
  BackgroundCli cli({"logs", "-f", "--server", server.url(), id, "main"});
  ASSERT_TRUE(http.ReadUntilContains("first\n")) << http.error().message();
  // `logs -f` prints output as it comes, before the task ends.
  ASSERT_TRUE(cli.ReadUntil("first\n")) << cli.out();
  // RUNNING is committed lazily (it changes nothing a client waits on), so
  // it may trail the first output by a few milliseconds; the task cannot
  // end before the gate opens, so it must be RUNNING by then.
  nlohmann::json running = server.WaitFor(
      id, [](const nlohmann::json& job) { return TaskOf(job, "main")["state"] == "RUNNING"; });
  EXPECT_EQ(TaskOf(running, "main")["state"], "RUNNING");
  gate.Open();
  ASSERT_TRUE(http.ReadToEnd()) << http.error().message();
  EXPECT_EQ(http.body(), "first\nsecond\n");
  // The CLI streams the same text and exits 0 once the task has ended.
  EXPECT_EQ(cli.Finish(), 0);
  EXPECT_EQ(cli.out(), "first\nsecond\n");
  EXPECT_EQ(server.GetJob(id)["state"], "SUCCEEDED");
}

TEST(FollowE2E, JobEventsStreamToTheEndThenMetricsShowTheJob) {
  TempDir dir;
  Server server(dir.Sub("data"));
  ASSERT_TRUE(server.ready());
  std::string id = server.Submit(
      "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: m}\nspec:\n  tasks:\n"
      "    - name: main\n      steps: [{commands: [\"echo hi\"]}]\n");
  std::string body;
  auto streamed = server.http().StreamGet(
      "/api/v1/jobs/" + id + "/events?follow=true",
      [&](std::string_view chunk) {
        body.append(chunk);
        return true;
      },
      {{"Accept", "text/event-stream"}}, Millis(30'000));
  ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
  EXPECT_EQ(streamed->status, 200);
  EXPECT_EQ(streamed->content_type, "text/event-stream; charset=utf-8");
  // It ended by itself, after the job's last event.
  size_t last = body.rfind("event: job\n");
  ASSERT_NE(last, std::string::npos) << body;
  EXPECT_NE(body.find("\"to\":\"SUCCEEDED\"", last), std::string::npos) << body;

  auto metrics = server.http().Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  const std::string& text = metrics->body;
  for (const char* line :
       {"\npipegrid_jobs{state=\"SUCCEEDED\"} 1\n", "\npipegrid_submits_total 1\n",
        "\npipegrid_task_duration_seconds_count{outcome=\"succeeded\"} 1\n",
        "\npipegrid_queue_wait_seconds_count 1\n", "\npipegrid_workers{state=\"READY\"} 1\n",
        "\npipegrid_ready 1\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
}

TEST(FollowE2E, UpPushesMetricsToInflux) {
  TempDir dir;
  api::testing::RecordingServer influx(boost::beast::http::status::no_content);
  std::string url = "http://127.0.0.1:" + std::to_string(influx.port()) + "/write?db=pipegrid";
  Server server(dir.Sub("data"), {"--influx-url", url, "--influx-interval", "50ms"});
  ASSERT_TRUE(server.ready());
  auto req = influx.WaitRequest(1);
  EXPECT_EQ(req.target(), "/write?db=pipegrid");
  EXPECT_NE(req.body().find("\npipegrid_ready value=1\n"), std::string::npos) << req.body();
  EXPECT_NE(req.body().find("pipegrid_workers,state=READY value=1\n"), std::string::npos);
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace pipegrid::e2e
