#include "worker/proc_stat.h"

#include <unistd.h>

#include <algorithm>

#include "support/test_util.h"

namespace pipegrid::worker {
namespace {

using pipegrid::testing::StatusIs;

TEST(ProcStatTest, ParsesFieldsAfterACommandNameWithSpacesAndParens) {
  std::string line =
      "4242 (we ird) (name) S 1 4000 4000 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
      "123456 1000 100 18446744073709551615\n";
  std::optional<ProcStat> st = ParseProcStat(line);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->pid, 4242);
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->pgrp, 4000);
  EXPECT_EQ(st->starttime, 123456u);
}

TEST(ProcStatTest, RejectsTruncatedLines) {
  EXPECT_FALSE(ParseProcStat("").has_value());
  EXPECT_FALSE(ParseProcStat("12 (x) S 1 2").has_value());
  EXPECT_FALSE(ParseProcStat("12 x S 1 2 3").has_value());
}

TEST(ProcStatTest, ReadsThisProcess) {
  Result<ProcStat> st = ReadProcStat(::getpid());
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->pid, ::getpid());
  EXPECT_EQ(st->pgrp, ::getpgrp());
  EXPECT_GT(st->starttime, 0u);
}

TEST(ProcStatTest, MissingProcessIsNotFound) {
  // pid_max is at most 2^22, so this pid never exists.
  EXPECT_THAT(ReadProcStat(1 << 23), StatusIs(StatusCode::kNotFound));
}

TEST(ProcStatTest, ListIncludesThisProcess) {
  Result<std::vector<ProcStat>> all = ListProcesses();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(
      std::any_of(all->begin(), all->end(), [](const ProcStat& p) { return p.pid == ::getpid(); }));
}

TEST(ProcStatTest, BootIdIsStable) {
  EXPECT_FALSE(ReadBootId().empty());
  EXPECT_EQ(ReadBootId(), ReadBootId());
}

}  // namespace
}  // namespace pipegrid::worker
