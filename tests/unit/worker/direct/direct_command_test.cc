// The worker direct API over real mutual TLS: starting commands, their
// status and outcomes, stopping them, timeouts, idempotent starts and the
// limits.
#include <fcntl.h>
#include <signal.h>

#include <filesystem>

#include "direct_fixture.h"
#include "worker/attempt_record.h"
#include "worker/child_process.h"
#include "worker/proc_stat.h"

extern char** environ;

namespace pipegrid::worker::direct::testing {
namespace {

namespace fs = std::filesystem;
using pipegrid::worker::testing::Fifo;
using pipegrid::worker::testing::ProcessExits;
using ::testing::HasSubstr;

TEST_F(DirectServerTest, EchoRunsAndItsStatusIsFinal) {
  StartServer();
  v1::StartCommandRequest request;
  request.set_command("echo hi");
  v1::StartCommandResponse started;
  ASSERT_TRUE(Start(request, &started).ok());
  EXPECT_FALSE(started.command_id().empty());
  EXPECT_GT(started.pgid(), 0);
  EXPECT_GT(started.started_at_ms(), 0);

  std::string output;
  v1::CommandStatus status = WaitFinished(started.command_id(), &output);
  EXPECT_EQ(output, "hi\n");
  EXPECT_EQ(status.command_id(), started.command_id());
  EXPECT_EQ(status.outcome(), v1::OUTCOME_SUCCEEDED);
  ASSERT_TRUE(status.has_exit_code());
  EXPECT_EQ(status.exit_code(), 0);
  EXPECT_FALSE(status.has_signal());
  EXPECT_EQ(status.started_at_ms(), started.started_at_ms());
  EXPECT_GE(status.finished_at_ms(), status.started_at_ms());
  EXPECT_EQ(status.output_bytes(), 3);
  EXPECT_TRUE(ProcessExits(static_cast<pid_t>(started.pgid())));
}

TEST_F(DirectServerTest, NonzeroExitIsOutcomeExitWithTheCodeAndStderrIsMerged) {
  StartServer();
  std::string id = StartOk("echo out; echo err >&2; exit 3");
  std::string output;
  v1::CommandStatus status = WaitFinished(id, &output);
  EXPECT_EQ(output, "out\nerr\n");
  EXPECT_EQ(status.outcome(), v1::OUTCOME_EXIT);
  EXPECT_EQ(status.exit_code(), 3);
  EXPECT_EQ(status.reason(), "exited with 3");
}

TEST_F(DirectServerTest, RunsInAFreshDirectoryWithTheRequestEnvironment) {
  StartServer();
  v1::StartCommandRequest request;
  request.set_command("pwd; echo \"$FOO\"; test \"$PWD\" = \"$PIPEGRID_WORKSPACE\" && echo same");
  (*request.mutable_env())["FOO"] = "bar";
  v1::StartCommandResponse started;
  ASSERT_TRUE(Start(request, &started).ok());
  std::string output;
  WaitFinished(started.command_id(), &output);
  std::string expected_dir =
      fs::weakly_canonical(options_.work_dir + "/direct/" + started.command_id() + "/work");
  EXPECT_EQ(output, expected_dir + "\nbar\nsame\n");
}

TEST_F(DirectServerTest, RelativeWorkDirIsCreatedUnderTheWorkDirAndShared) {
  StartServer();
  for (const char* command : {"echo one > f", "cat f; pwd"}) {
    v1::StartCommandRequest request;
    request.set_command(command);
    request.set_work_dir("pipe/line");
    v1::StartCommandResponse started;
    ASSERT_TRUE(Start(request, &started).ok());
    std::string output;
    EXPECT_EQ(WaitFinished(started.command_id(), &output).outcome(), v1::OUTCOME_SUCCEEDED);
    if (std::string(command).starts_with("cat")) {
      EXPECT_EQ(output,
                "one\n" + fs::weakly_canonical(options_.work_dir + "/pipe/line").string() + "\n");
    }
  }
}

TEST_F(DirectServerTest, BadRequestsAreRefusedWithInvalidArgument) {
  StartServer();
  for (const char* dir : {"/tmp", "..", "../escape", "a/../../escape"}) {
    v1::StartCommandRequest request;
    request.set_command("touch escaped");
    request.set_work_dir(dir);
    v1::StartCommandResponse started;
    EXPECT_EQ(Start(request, &started).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << dir;
  }
  v1::StartCommandRequest empty;
  v1::StartCommandResponse started;
  EXPECT_EQ(Start(empty, &started).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::StartCommandRequest no_time;
  no_time.set_command("true");
  no_time.set_timeout_ms(0);
  EXPECT_EQ(Start(no_time, &started).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::StartCommandRequest bad_env;
  bad_env.set_command("true");
  (*bad_env.mutable_env())["A=B"] = "x";
  EXPECT_EQ(Start(bad_env, &started).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Nothing ran, and nothing was left behind.
  EXPECT_FALSE(fs::exists(tmp_.Sub("escaped")));
  EXPECT_FALSE(fs::exists(options_.work_dir + "/../escape"));
}

TEST_F(DirectServerTest, UnknownCommandIsNotFound) {
  StartServer();
  v1::CommandStatus status;
  EXPECT_EQ(GetStatus("nope", &status).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Stop("nope", 0, &status).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReadOutput("nope", true).status.error_code(), grpc::StatusCode::NOT_FOUND);
}

// Cancelled (with a grace): SIGTERM to the whole group, background children
// included.
TEST_F(DirectServerTest, StopWithGraceCancelsAndKillsTheGroup) {
  StartServer();
  Fifo fifo(tmp_.Sub("fifo"));
  std::string id = StartOk("sleep 100 & echo $! > " + fifo.path() + "; wait");
  std::optional<std::string> child = fifo.ReadLine();
  ASSERT_TRUE(child.has_value());

  v1::CommandStatus stopping;
  ASSERT_TRUE(Stop(id, 10'000, &stopping).ok());
  EXPECT_EQ(stopping.state(), v1::CommandStatus::STATE_STOPPING);

  v1::CommandStatus status = WaitFinished(id);
  EXPECT_EQ(status.outcome(), v1::OUTCOME_CANCELLED);
  EXPECT_EQ(status.signal(), SIGTERM);
  EXPECT_EQ(status.reason(), "stopped by alice");
  EXPECT_TRUE(ProcessExits(static_cast<pid_t>(std::stol(*child))));

  // A stop of a finished command changes nothing.
  v1::CommandStatus again;
  ASSERT_TRUE(Stop(id, 0, &again).ok());
  EXPECT_EQ(again.outcome(), v1::OUTCOME_CANCELLED);
}

// Killed (grace 0): SIGKILL at once, even for a command that ignores TERM.
TEST_F(DirectServerTest, StopWithoutGraceKills) {
  StartServer();
  Fifo fifo(tmp_.Sub("fifo"));
  std::string id = StartOk("trap '' TERM; echo ready > " + fifo.path() + "; sleep 100");
  ASSERT_EQ(fifo.ReadLine(), "ready");
  v1::CommandStatus stopping;
  ASSERT_TRUE(Stop(id, 0, &stopping).ok());
  v1::CommandStatus status = WaitFinished(id);
  EXPECT_EQ(status.outcome(), v1::OUTCOME_KILLED);
  EXPECT_EQ(status.signal(), SIGKILL);
}

TEST_F(DirectServerTest, TimeoutStopsTheCommand) {
  options_.kill_grace = Millis(100);
  StartServer();
  v1::StartCommandRequest request;
  request.set_command("trap '' TERM; sleep 100");  // needs the SIGKILL too
  request.set_timeout_ms(200);
  v1::StartCommandResponse started;
  ASSERT_TRUE(Start(request, &started).ok());
  v1::CommandStatus status = WaitFinished(started.command_id());
  EXPECT_EQ(status.outcome(), v1::OUTCOME_TIMEOUT);
  EXPECT_EQ(status.reason(), "timed out after 200ms");
  EXPECT_TRUE(ProcessExits(static_cast<pid_t>(started.pgid())));
}

TEST_F(DirectServerTest, RequestIdReturnsTheFirstCommand) {
  StartServer();
  v1::StartCommandRequest request;
  request.set_command("echo run >> " + tmp_.Sub("runs"));
  request.set_request_id("req-1");
  v1::StartCommandResponse first;
  v1::StartCommandResponse retry;
  ASSERT_TRUE(Start(request, &first).ok());
  ASSERT_TRUE(Start(request, &retry).ok());
  EXPECT_EQ(retry.command_id(), first.command_id());
  EXPECT_EQ(retry.pgid(), first.pgid());
  WaitFinished(first.command_id());
  // Also once it has finished.
  ASSERT_TRUE(Start(request, &retry).ok());
  EXPECT_EQ(retry.command_id(), first.command_id());
  EXPECT_EQ(pipegrid::worker::testing::ReadFile(tmp_.Sub("runs")), "run\n");

  // The same key for another request is a client bug, not a retry.
  v1::StartCommandRequest other = request;
  other.set_command("echo other");
  EXPECT_EQ(Start(other, &retry).error_code(), grpc::StatusCode::ALREADY_EXISTS);

  // Keys are per caller: bob's req-1 is his own command.
  v1::StartCommandResponse bobs;
  ASSERT_TRUE(Start(request, &bobs, "bob").ok());
  EXPECT_NE(bobs.command_id(), first.command_id());
}

TEST_F(DirectServerTest, TooManyRunningCommandsAreRefused) {
  options_.max_running = 1;
  StartServer();
  Fifo fifo(tmp_.Sub("fifo"));
  std::string id = StartOk("echo ready > " + fifo.path() + "; sleep 100");
  ASSERT_EQ(fifo.ReadLine(), "ready");
  v1::StartCommandRequest request;
  request.set_command("true");
  v1::StartCommandResponse response;
  EXPECT_EQ(Start(request, &response).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  v1::CommandStatus status;
  ASSERT_TRUE(Stop(id, 0, &status).ok());
  WaitFinished(id);
  EXPECT_TRUE(Start(request, &response).ok());
}

TEST_F(DirectServerTest, OldFinishedRecordsAreDroppedWithTheirFiles) {
  options_.max_finished = 2;
  StartServer();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(StartOk("echo " + std::to_string(i)));
    WaitFinished(ids.back());
  }
  v1::CommandStatus status;
  EXPECT_EQ(GetStatus(ids[0], &status).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_FALSE(fs::exists(options_.work_dir + "/direct/" + ids[0]));
  EXPECT_TRUE(GetStatus(ids[1], &status).ok());
  EXPECT_TRUE(GetStatus(ids[2], &status).ok());
}

TEST_F(DirectServerTest, StopKillsRunningCommandsAndRefusesNewOnes) {
  StartServer();
  Fifo fifo(tmp_.Sub("fifo"));
  v1::StartCommandRequest request;
  request.set_command("sleep 100 & echo $! > " + fifo.path() + "; wait");
  v1::StartCommandResponse started;
  ASSERT_TRUE(Start(request, &started).ok());
  std::optional<std::string> child = fifo.ReadLine();
  ASSERT_TRUE(child.has_value());

  server_->Stop();
  EXPECT_TRUE(ProcessExits(static_cast<pid_t>(std::stol(*child))));
  EXPECT_TRUE(ProcessExits(static_cast<pid_t>(started.pgid())));
  EXPECT_FALSE(Start(request, &started).ok());
  server_->Stop();  // idempotent
}

// A worker that crashed left a command running and its files behind: the
// next start kills the group (as the agent does for attempts) and clears
// the old command directories, whose records died with the old process.
TEST_F(DirectServerTest, StartKillsWhatACrashedRunLeftAndClearsItsFiles) {
  const std::string root = options_.work_dir + "/direct";
  fs::create_directories(root + "/01OLDCOMMAND/work");
  fs::create_directories(root + "/.running");
  UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  Result<ChildProcess> leftover =
      ChildProcess::Spawn(SpawnOptions{"sleep 100", tmp_.path().string(), environ, null.get()});
  ASSERT_THAT(leftover, IsOk());
  Result<ProcStat> stat = ReadProcStat(leftover->pid());
  ASSERT_THAT(stat, IsOk());
  ASSERT_THAT(WriteAttemptRecord(root + "/.running", "01OLDCOMMAND",
                                 {leftover->pid(), stat->starttime, ReadBootId()}),
              IsOk());

  StartServer();
  EXPECT_TRUE(ProcessExits(leftover->pid()));  // a zombie until the test reaps it
  EXPECT_FALSE(fs::exists(root + "/01OLDCOMMAND"));
  EXPECT_TRUE(fs::is_empty(root + "/.running"));
}

}  // namespace
}  // namespace pipegrid::worker::direct::testing
