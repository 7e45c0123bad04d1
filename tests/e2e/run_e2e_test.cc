// `pipegrid run` against a real `pipegrid up`: the command's output and exit
// code, arguments passed intact, pinning with --on, and a task no worker
// matches staying queued with its reason.
#include <gmock/gmock.h>

#include "e2e_support.h"

namespace pipegrid::e2e {
namespace {

using pipegrid::testing::TempDir;
using ::testing::HasSubstr;

// The embedded worker's name, so that --on can name it.
constexpr char kWorker[] = "w-test";

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

TEST(RunE2E, WaitPrintsTheOutputAndExitsWithTheJobsCode) {
  TempDir dir;
  Server server(dir.Sub("data"), {"--name", kWorker});
  ASSERT_TRUE(server.ready());

  auto failed =
      RunCli({"run", "--server", server.url(), "--wait", "--", "sh", "-c", "echo out; exit 3"});
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_EQ(failed.out, "out\n");
  EXPECT_THAT(failed.err, HasSubstr("FAILED"));

  // Each argument reaches the command as one word, quotes and spaces kept.
  auto quoted = RunCli({"run", "--server", server.url(), "--wait", "--", "printf", "[%s]\\n", "a b",
                        "it's", "$HOME"});
  EXPECT_EQ(quoted.exit_code, 0) << quoted.err;
  EXPECT_EQ(quoted.out, "[a b]\n[it's]\n[$HOME]\n");
  EXPECT_EQ(quoted.err, "");
}

TEST(RunE2E, OnRunsTheCommandOnTheNamedWorker) {
  TempDir dir;
  Server server(dir.Sub("data"), {"--name", kWorker});
  ASSERT_TRUE(server.ready());

  auto hi =
      RunCli({"run", "--server", server.url(), "--on", kWorker, "--wait", "--", "echo", "hi"});
  EXPECT_EQ(hi.exit_code, 0) << hi.err;
  EXPECT_EQ(hi.out, "hi\n");

  // Without --wait: only the id, and the task ran where it was pinned.
  auto quick =
      RunCli({"run", "--server", server.url(), "--on", kWorker, "--name", "pinned", "--", "true"});
  ASSERT_EQ(quick.exit_code, 0) << quick.err;
  std::string id = FirstLine(quick.out);
  EXPECT_EQ(quick.out, id + "\n");
  nlohmann::json job = server.WaitFinished(id);
  EXPECT_EQ(job["state"], "SUCCEEDED");
  EXPECT_EQ(job["name"], "pinned");
  EXPECT_EQ(TaskOf(job, "run")["worker"], kWorker);
}

TEST(RunE2E, UnknownWorkerStaysQueuedWithTheReason) {
  TempDir dir;
  Server server(dir.Sub("data"), {"--name", kWorker});
  ASSERT_TRUE(server.ready());
  const std::string no_match = "no worker matches nodeSelector";

  auto queued = RunCli({"run", "--server", server.url(), "--on", "nosuch", "--", "true"});
  ASSERT_EQ(queued.exit_code, 0) << queued.err;
  std::string id = FirstLine(queued.out);
  nlohmann::json job = server.WaitFor(
      id, [&](const nlohmann::json& j) { return TaskOf(j, "run")["reason"] == no_match; });
  EXPECT_EQ(TaskOf(job, "run")["state"], "QUEUED");
  EXPECT_EQ(TaskOf(job, "run")["reason"], no_match);
  auto get = RunCli({"get", "--server", server.url(), id});
  EXPECT_EQ(get.exit_code, 0);
  EXPECT_THAT(get.out, HasSubstr(no_match));

  // --wait says why it waits; the job's timeout, which counts queued time,
  // ends the wait.
  auto waited = RunCli({"run", "--server", server.url(), "--on", "nosuch", "--wait", "--timeout",
                        "1s", "--", "true"});
  EXPECT_EQ(waited.exit_code, 1);
  EXPECT_EQ(waited.out, "");
  EXPECT_THAT(waited.err, HasSubstr("is queued: " + no_match + "\n"));
  EXPECT_THAT(waited.err, HasSubstr("FAILED (timeout)"));
}

}  // namespace
}  // namespace pipegrid::e2e
