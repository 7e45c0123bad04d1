// The CLI as a user types it: exit codes, output, -o json.
#include <fstream>

#include "e2e_support.h"

namespace pipegrid::e2e {
namespace {

using pipegrid::testing::TempDir;

std::string WriteSpec(const TempDir& dir, const std::string& name, const std::string& command) {
  std::string path = dir.Sub(name + ".yaml");
  std::ofstream(path) << "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: " << name
                      << "}\nspec:\n  tasks:\n    - name: main\n      steps: [{commands: [\""
                      << command << "\"]}]\n";
  return path;
}

TEST(CliE2E, SubmitWaitExitCodesFollowTheJob) {
  TempDir dir;
  Server server(dir.Sub("data"));
  ASSERT_TRUE(server.ready());
  auto ok = RunCli({"submit", "--server", server.url(), "--wait", WriteSpec(dir, "ok", "echo hi")});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto failed = RunCli({"submit", "--server", server.url(), "--wait", WriteSpec(dir, "bad", "exit 3")});
  EXPECT_EQ(failed.exit_code, 1) << failed.err;

  // Without --wait: only the id.
  auto quick = RunCli({"submit", "--server", server.url(), WriteSpec(dir, "quick", "echo quick")});
  ASSERT_EQ(quick.exit_code, 0);
  std::string id = quick.out.substr(0, quick.out.find('\n'));
  EXPECT_EQ(quick.out, id + "\n");
  server.WaitFinished(id);

  auto logs = RunCli({"logs", "--server", server.url(), id, "main"});
  EXPECT_EQ(logs.exit_code, 0);
  EXPECT_EQ(logs.out, "quick\n");
  auto get = RunCli({"get", "--server", server.url(), id, "-o", "json"});
  EXPECT_EQ(get.exit_code, 0);
  auto job = nlohmann::json::parse(get.out, nullptr, false);
  EXPECT_EQ(job["state"], "SUCCEEDED");
  auto table = RunCli({"get", "--server", server.url(), id});
  EXPECT_NE(table.out.find("main"), std::string::npos);
  EXPECT_NE(table.out.find("SUCCEEDED"), std::string::npos);
  auto jobs = RunCli({"jobs", "--server", server.url(), "--state", "FAILED", "-o", "json"});
  auto list = nlohmann::json::parse(jobs.out, nullptr, false);
  ASSERT_EQ(list["items"].size(), 1u) << jobs.out;
  EXPECT_EQ(list["items"][0]["name"], "bad");
  auto workers = RunCli({"workers", "--server", server.url()});
  EXPECT_EQ(workers.exit_code, 0);
  EXPECT_NE(workers.out.find("READY"), std::string::npos);
}

TEST(CliE2E, RejectedUnreachableAndUsageExitCodes) {
  TempDir dir;
  Server server(dir.Sub("data"));
  ASSERT_TRUE(server.ready());
  std::string bad = dir.Sub("bad.yaml");
  std::ofstream(bad) << "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: x}\nspec: {tasks: []}\n";
  auto rejected = RunCli({"submit", "--server", server.url(), bad});
  EXPECT_EQ(rejected.exit_code, 3);
  EXPECT_NE(rejected.err.find("spec.tasks"), std::string::npos) << rejected.err;

  // A port nobody listens on: the server we just stopped.
  std::string url;
  {
    Server gone(dir.Sub("data2"));
    url = gone.url();
  }
  auto unreachable = RunCli({"jobs", "--server", url});
  EXPECT_EQ(unreachable.exit_code, 4);
  auto usage = RunCli({"submit", "--no-such-flag"});
  EXPECT_EQ(usage.exit_code, 64);
  auto stdin_submit = RunCli({"submit", "--server", server.url(), "-"},
                             "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: piped}\n"
                             "spec: {tasks: [{name: t, steps: [{commands: [\"true\"]}]}]}\n");
  EXPECT_EQ(stdin_submit.exit_code, 0) << stdin_submit.err;
}

TEST(CliE2E, VersionPrintsEveryVersion) {
  auto v = RunCli({"version"});
  EXPECT_EQ(v.exit_code, 0);
  for (const char* part : {"pipegrid ", "api v1", "protocol ", "schema "}) {
    EXPECT_NE(v.out.find(part), std::string::npos) << v.out;
  }
}

}  // namespace
}  // namespace pipegrid::e2e
