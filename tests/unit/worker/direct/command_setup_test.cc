// The checks a direct command passes before it is spawned: its working
// directory stays under --work-dir, its environment can be represented.
#include "worker/direct/command_setup.h"

#include <gtest/gtest.h>

#include "support/test_util.h"

namespace pipegrid::worker::direct {
namespace {

using pipegrid::testing::IsOk;
using pipegrid::testing::StatusIs;

TEST(ResolveWorkDirTest, RelativePathsLandUnderTheWorkDir) {
  EXPECT_EQ(*ResolveWorkDir("/w", "shared"), "/w/shared");
  EXPECT_EQ(*ResolveWorkDir("/w", "a/./b/"), "/w/a/b");
  EXPECT_EQ(*ResolveWorkDir("/w", "a//b"), "/w/a/b");
}

TEST(ResolveWorkDirTest, AbsolutePathsAreRefused) {
  EXPECT_THAT(ResolveWorkDir("/w", "/etc"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ResolveWorkDir("/w", "/w/inside"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(ResolveWorkDirTest, DotDotIsRefusedEvenWhenItWouldStayInside) {
  EXPECT_THAT(ResolveWorkDir("/w", ".."), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ResolveWorkDir("/w", "../x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ResolveWorkDir("/w", "a/../../x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ResolveWorkDir("/w", "a/../b"), StatusIs(StatusCode::kInvalidArgument));
  // Only a whole component is "..".
  EXPECT_EQ(*ResolveWorkDir("/w", "a..b/..c"), "/w/a..b/..c");
}

TEST(ResolveWorkDirTest, EmptyAndNulAreRefused) {
  EXPECT_THAT(ResolveWorkDir("/w", ""), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ResolveWorkDir("/w", std::string("a\0b", 3)), StatusIs(StatusCode::kInvalidArgument));
}

TEST(ValidateEnvTest, RefusesWhatAnEnvironmentBlockCannotHold) {
  EXPECT_THAT(ValidateEnv({{"FOO", "bar=baz"}, {"EMPTY", ""}}), IsOk());
  EXPECT_THAT(ValidateEnv({{"", "x"}}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateEnv({{"A=B", "x"}}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateEnv({{"A", std::string("x\0y", 3)}}), StatusIs(StatusCode::kInvalidArgument));
}

TEST(CommandEnvTest, RequestEnvWinsOverTheWorkersAndOursComeBetween) {
  CommandEnv env({{"PATH", "/bin"}, {"FOO", "worker"}}, "/w/x", "C1",
                 {{"FOO", "request"}, {"PIPEGRID_COMMAND_ID", "mine"}});
  std::vector<std::string> entries;
  for (char* const* p = env.envp(); *p != nullptr; ++p) entries.emplace_back(*p);
  EXPECT_EQ(entries,
            (std::vector<std::string>{"FOO=request", "PATH=/bin", "PIPEGRID_COMMAND_ID=mine",
                                      "PIPEGRID_WORKSPACE=/w/x"}));
}

}  // namespace
}  // namespace pipegrid::worker::direct
