#include "worker/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "worker_test_util.h"

namespace pipegrid::worker::testing {
namespace {

using pipegrid::testing::IsOk;
using pipegrid::testing::StatusIs;

// Runs `command` with output into a pipe; returns the child and the read end.
struct Spawned {
  ChildProcess child;
  UniqueFd output;
};

char* const* EmptyEnv() {
  static char* env[] = {const_cast<char*>("PATH=/usr/bin:/bin"), nullptr};
  return env;
}

Spawned SpawnOrDie(const std::string& command, const std::string& cwd = "/") {
  Result<Pipe> pipe = MakeOutputPipe();
  if (!pipe.ok()) std::abort();
  Result<ChildProcess> child =
      ChildProcess::Spawn(SpawnOptions{command, cwd, EmptyEnv(), pipe->write.get()});
  if (!child.ok()) std::abort();
  return Spawned{std::move(child).value(), std::move(pipe->read)};
}

// Reads everything until EOF (the read end is non-blocking; wait with poll).
std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20'000) <= 0) return out + "<timeout>";
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EAGAIN) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

TEST(ChildProcessTest, LeadsItsOwnProcessGroup) {
  Spawned s = SpawnOrDie("sleep 600");
  pid_t pid = s.child.pid();
  EXPECT_EQ(::getpgid(pid), pid);
  EXPECT_NE(pid, ::getpgrp());
  ASSERT_TRUE(s.child.KillGroupAndReap().ok());
}

TEST(ChildProcessTest, ReportsExitCodeAndSignal) {
  Spawned exits = SpawnOrDie("exit 7");
  ReadAll(exits.output.get());  // EOF: the shell is done
  Result<ExitStatus> status = ExitStatus{};
  // The leader has exited (EOF); KillGroupAndReap only reaps it.
  status = exits.child.KillGroupAndReap();
  ASSERT_THAT(status.status(), IsOk());
  EXPECT_FALSE(status->signaled);
  EXPECT_EQ(status->value, 7);
  EXPECT_FALSE(exits.child.running());

  Spawned killed = SpawnOrDie("sleep 600");
  status = killed.child.KillGroupAndReap();
  ASSERT_THAT(status.status(), IsOk());
  EXPECT_TRUE(status->signaled);
  EXPECT_EQ(status->value, SIGKILL);
}

TEST(ChildProcessTest, StdinIsDevNullAndOutputIsMerged) {
  Spawned s = SpawnOrDie("cat; echo out; echo err >&2");
  EXPECT_EQ(ReadAll(s.output.get()), "out\nerr\n");
}

TEST(ChildProcessTest, RunsInTheGivenDirectoryWithTheGivenEnvironment) {
  Spawned s = SpawnOrDie("pwd; echo \"$PATH\"", "/tmp");
  EXPECT_EQ(ReadAll(s.output.get()), "/tmp\n/usr/bin:/bin\n");
}

TEST(ChildProcessTest, NoDescriptorLeaksIntoTheChild) {
  // Opened without O_CLOEXEC, as a careless library would.
  UniqueFd leaky(::open("/dev/null", O_RDONLY));
  ASSERT_TRUE(leaky.valid());
  Spawned s = SpawnOrDie("if [ -e /proc/$$/fd/" + std::to_string(leaky.get()) +
                         " ]; then echo leaked; else echo clean; fi");
  EXPECT_EQ(ReadAll(s.output.get()), "clean\n");
}

TEST(ChildProcessTest, SignalDispositionsAreResetToDefault) {
  // A host that ignores SIGTERM must not pass that on to the tools it runs.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGTERM, &ignore, &old);
  Spawned s = SpawnOrDie("kill -TERM $$; sleep 600");
  ::sigaction(SIGTERM, &old, nullptr);

  ReadAll(s.output.get());  // EOF once the shell and its sleep are gone
  Result<ExitStatus> status = s.child.KillGroupAndReap();
  ASSERT_THAT(status.status(), IsOk());
  EXPECT_TRUE(status->signaled);
  EXPECT_EQ(status->value, SIGTERM);
}

TEST(ChildProcessTest, DestructorKillsTheWholeGroupAndReaps) {
  pid_t leader;
  std::string grandchild;
  {
    Spawned s = SpawnOrDie("sleep 600 & echo $!; wait");
    leader = s.child.pid();
    char buf[32] = {};
    pollfd p{s.output.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 20'000), 1);
    ASSERT_GT(::read(s.output.get(), buf, sizeof buf - 1), 0);
    grandchild = buf;
  }
  // Reaped: not even a zombie is left.
  EXPECT_EQ(::kill(leader, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_TRUE(ProcessExits(static_cast<pid_t>(std::stol(grandchild))));
}

TEST(ChildProcessTest, SpawnFailsForAMissingDirectory) {
  Result<Pipe> pipe = MakeOutputPipe();
  ASSERT_TRUE(pipe.ok());
  Result<ChildProcess> child =
      ChildProcess::Spawn(SpawnOptions{"true", "/nonexistent/dir", EmptyEnv(), pipe->write.get()});
  EXPECT_THAT(child.status(), StatusIs(StatusCode::kNotFound));
}

TEST(ChildProcessTest, PidfdBecomesReadableWhenTheLeaderExits) {
  Spawned s = SpawnOrDie("exit 0");
  Result<UniqueFd> pidfd = s.child.OpenPidfd();
  ASSERT_TRUE(pidfd.ok());
  pollfd p{pidfd->get(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 20'000), 1);
  EXPECT_TRUE(s.child.KillGroupAndReap().ok());
}

}  // namespace
}  // namespace pipegrid::worker::testing
