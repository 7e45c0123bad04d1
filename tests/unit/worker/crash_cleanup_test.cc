// Crash cleanup: Agent::Create() kills the process groups a crashed run left
// behind, guided by the attempt records in state_dir.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent_fixture.h"
#include "worker/attempt_record.h"
#include "worker/proc_stat.h"
#include "worker/record_table.h"

namespace pipegrid::worker::testing {
namespace {

namespace fs = std::filesystem;

// A process group as a crashed agent would have left it: `sh -c CMD` leading
// its own group, not supervised by anyone but this test.
class LeftoverGroup {
 public:
  explicit LeftoverGroup(const std::string& command) {
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
    if (posix_spawn(&pid_, "/bin/sh", nullptr, &attr, const_cast<char* const*>(argv), environ) !=
        0) {
      std::abort();
    }
    posix_spawnattr_destroy(&attr);
  }
  ~LeftoverGroup() {
    if (!reaped_) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  AttemptRecord Record() const {
    Result<ProcStat> st = ReadProcStat(pid_);
    if (!st.ok()) std::abort();
    return AttemptRecord{pid_, st->starttime, ReadBootId()};
  }
  // The leader's wait status if it has exited, without blocking.
  std::optional<int> TryReap() {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

class CrashCleanupTest : public AgentTest {
 protected:
  // A leftover group whose leader has a background child, started and known
  // to exist before the agent looks (a later one would escape the kill and
  // hold the test's output open). Returns the child's pid.
  pid_t StartGroupWithChild(std::optional<LeftoverGroup>& group) {
    fs::create_directories(options_.state_dir);
    Fifo fifo(dir_.Sub("fifo"));
    group.emplace("sleep 600 & echo $! > " + fifo.path() + "; wait");
    std::optional<std::string> child = fifo.ReadLine();
    EXPECT_TRUE(child.has_value());
    return child ? static_cast<pid_t>(std::stol(*child)) : -1;
  }
};

TEST_F(CrashCleanupTest, CreateKillsLeftoverGroupsAndRemovesTheirRecords) {
  std::optional<LeftoverGroup> group;
  const pid_t child = StartGroupWithChild(group);
  ASSERT_GT(child, 0);
  ASSERT_THAT(WriteAttemptRecord(options_.state_dir, "old-attempt", group->Record()),
              pipegrid::testing::IsOk());

  StartAgent();

  // Create() returned only after the processes were gone.
  std::optional<int> status = group->TryReap();
  ASSERT_TRUE(status.has_value()) << "leader still running";
  EXPECT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
  EXPECT_TRUE(ProcessExits(child));
  EXPECT_TRUE(RecordsIn(options_.state_dir).empty());
  EXPECT_FALSE(fs::exists(options_.state_dir + "/old-attempt"));
}

TEST_F(CrashCleanupTest, GroupStartedBeforeTheRecordedLeaderIsNotTouched) {
  fs::create_directories(options_.state_dir);
  LeftoverGroup group("sleep 600");
  // Same group id, but a start time after every process in it: as if the
  // recorded group had ended and its number been reused by an older process.
  AttemptRecord record = group.Record();
  record.leader_starttime += 1'000'000'000;
  ASSERT_THAT(WriteAttemptRecord(options_.state_dir, "old-attempt", record),
              pipegrid::testing::IsOk());

  StartAgent();

  EXPECT_FALSE(group.TryReap().has_value());
  EXPECT_TRUE(ProcessAlive(group.pid()));
  EXPECT_TRUE(RecordsIn(options_.state_dir).empty());
  EXPECT_FALSE(fs::exists(options_.state_dir + "/old-attempt"));
}

TEST_F(CrashCleanupTest, RecordFromAnotherBootIsNotActedOn) {
  fs::create_directories(options_.state_dir);
  LeftoverGroup group("sleep 600");
  AttemptRecord record = group.Record();
  record.boot_id = "00000000-0000-0000-0000-000000000000";
  ASSERT_THAT(WriteAttemptRecord(options_.state_dir, "old-attempt", record),
              pipegrid::testing::IsOk());

  StartAgent();

  EXPECT_FALSE(group.TryReap().has_value());
  EXPECT_TRUE(RecordsIn(options_.state_dir).empty());
  EXPECT_FALSE(fs::exists(options_.state_dir + "/old-attempt"));
}

TEST_F(CrashCleanupTest, TornRecordsAreRemoved) {
  fs::create_directories(options_.state_dir);
  { std::ofstream(options_.state_dir + "/garbage") << "not a record"; }
  { std::ofstream(options_.state_dir + "/.half.tmp") << "12"; }

  StartAgent();

  EXPECT_FALSE(fs::exists(options_.state_dir + "/garbage"));
  EXPECT_FALSE(fs::exists(options_.state_dir + "/.half.tmp"));
}

TEST_F(CrashCleanupTest, RunningAttemptKeepsARecordOfItsCurrentGroup) {
  StartAgent();
  Fifo fifo(dir_.Sub("fifo"));
  protocol::Assignment a = MakeAssignment("a1", {{"true"}, {"echo $$ > \"$FIFO\"; sleep 600"}});
  a.env["FIFO"] = fifo.path();
  agent_->Assign(a);
  std::optional<std::string> leader = fifo.ReadLine();
  ASSERT_TRUE(leader.has_value());
  // The record is written by the control-thread handler that spawned the
  // command; the command itself may have run before that handler ended.
  // Once a later message is handled, the handler is over.
  Barrier();

  // The second command's group, in the slot where the first command's was.
  std::vector<AttemptRecord> records = RecordsIn(options_.state_dir);
  ASSERT_EQ(records.size(), 1u);
  std::optional<AttemptRecord> record = records[0];
  EXPECT_EQ(record->pgid, static_cast<pid_t>(std::stol(*leader)));
  Result<ProcStat> stat = ReadProcStat(record->pgid);
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_EQ(record->leader_starttime, stat->starttime);
  EXPECT_EQ(record->boot_id, ReadBootId());

  agent_->Stop(protocol::StopRequest{"a1", Outcome::kKilled, Millis(0)});
  ASSERT_TRUE(master_.WaitFinished("a1").has_value());
  EXPECT_TRUE(RecordsIn(options_.state_dir).empty());
}

TEST_F(CrashCleanupTest, CreateKillsGroupsRecordedInATableLeftBehind) {
  std::optional<LeftoverGroup> group;
  const pid_t child = StartGroupWithChild(group);
  ASSERT_GT(child, 0);
  {
    // As a crashed agent leaves it: one slot in use between two cleared ones.
    Result<RecordTable> table = RecordTable::Open(options_.state_dir);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    size_t first = table->Acquire(), used = table->Acquire(), third = table->Acquire();
    ASSERT_THAT(table->Clear(first), pipegrid::testing::IsOk());
    ASSERT_THAT(table->Write(used, group->Record()), pipegrid::testing::IsOk());
    ASSERT_THAT(table->Clear(third), pipegrid::testing::IsOk());
  }

  StartAgent();

  std::optional<int> status = group->TryReap();
  ASSERT_TRUE(status.has_value()) << "leader still running";
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
  EXPECT_TRUE(ProcessExits(child));
  EXPECT_TRUE(RecordsIn(options_.state_dir).empty());
}

TEST(RecordTableTest, SlotsAreReusedAndRewrittenInPlace) {
  pipegrid::testing::TempDir dir;
  Result<RecordTable> table = RecordTable::Open(dir.path());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  size_t a = table->Acquire();
  size_t b = table->Acquire();
  EXPECT_NE(a, b);
  ASSERT_THAT(table->Write(a, {101, 5, "boot"}), pipegrid::testing::IsOk());
  ASSERT_THAT(table->Write(b, {202, 6, "boot"}), pipegrid::testing::IsOk());
  ASSERT_THAT(table->Write(a, {303, 7, "boot"}), pipegrid::testing::IsOk());  // next command

  std::vector<AttemptRecord> records = RecordsIn(dir.path());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].pgid, 303);
  EXPECT_EQ(records[1].pgid, 202);
  EXPECT_EQ(fs::file_size(table->path()), 2 * RecordTable::kSlotBytes);

  ASSERT_THAT(table->Clear(a), pipegrid::testing::IsOk());
  table->Release(a);
  EXPECT_EQ(table->Acquire(), a);  // a freed slot first: the file stays small
  ASSERT_EQ(RecordsIn(dir.path()).size(), 1u);
  EXPECT_EQ(RecordsIn(dir.path())[0].pgid, 202);
}

TEST(AttemptRecordTest, FormatAndParseRoundTrip) {
  AttemptRecord r{4242, 987654321, "boot-id"};
  std::optional<AttemptRecord> back = ParseAttemptRecord(FormatAttemptRecord(r));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->pgid, 4242);
  EXPECT_EQ(back->leader_starttime, 987654321u);
  EXPECT_EQ(back->boot_id, "boot-id");

  std::optional<AttemptRecord> no_boot = ParseAttemptRecord("77 12\n");
  ASSERT_TRUE(no_boot.has_value());
  EXPECT_EQ(no_boot->boot_id, "");

  EXPECT_FALSE(ParseAttemptRecord("").has_value());
  EXPECT_FALSE(ParseAttemptRecord("12").has_value());
  EXPECT_FALSE(ParseAttemptRecord("1 5").has_value());  // never init's group
  EXPECT_FALSE(ParseAttemptRecord("-5 5").has_value());
}

}  // namespace
}  // namespace pipegrid::worker::testing
