// Workspaces and log paths (src/worker/workspace.cc): spare empty workspaces
// are reused by rename, never with anything in them; logs of data dirs
// written before the flat log layout are still found.
#include "worker/workspace.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "support/test_util.h"
#include "worker/agent.h"

namespace pipegrid::worker {
namespace {

namespace fs = std::filesystem;

ino_t Inode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

class SpareWorkspacesTest : public ::testing::Test {
 protected:
  std::string Work() const { return dir_.Sub("work"); }
  pipegrid::testing::TempDir dir_;
};

TEST_F(SpareWorkspacesTest, AnEmptyWorkspaceIsReusedForTheNextTask) {
  SpareWorkspaces spares(Work(), 4);
  Result<std::string> first = spares.Prepare("job1", "a");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, Work() + "/job1/a");
  ino_t inode = Inode(*first);

  spares.Recycle(*first);
  EXPECT_FALSE(fs::exists(*first));
  EXPECT_EQ(spares.size(), 1u);

  Result<std::string> second = spares.Prepare("job2", "b");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(*second, Work() + "/job2/b");
  EXPECT_EQ(Inode(*second), inode);  // the same directory, renamed
  EXPECT_TRUE(fs::is_empty(*second));
  EXPECT_EQ(spares.size(), 0u);
}

TEST_F(SpareWorkspacesTest, AWorkspaceWithFilesIsNeverRecycled) {
  SpareWorkspaces spares(Work(), 4);
  Result<std::string> ws = spares.Prepare("job1", "a");
  ASSERT_TRUE(ws.ok());
  std::ofstream(*ws + "/result.txt") << "kept";
  spares.Recycle(*ws);
  EXPECT_EQ(spares.size(), 0u);
  EXPECT_TRUE(fs::exists(*ws + "/result.txt"));
}

TEST_F(SpareWorkspacesTest, AnEarlierAttemptsFilesAreGoneWhenASpareIsTaken) {
  SpareWorkspaces spares(Work(), 4);
  Result<std::string> other = spares.Prepare("job1", "other");
  ASSERT_TRUE(other.ok());
  spares.Recycle(*other);
  ASSERT_EQ(spares.size(), 1u);
  fs::create_directories(Work() + "/job1/a");
  std::ofstream(Work() + "/job1/a/old.txt") << "attempt 1";

  Result<std::string> ws = spares.Prepare("job1", "a");
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  EXPECT_TRUE(fs::is_empty(*ws));
}

TEST_F(SpareWorkspacesTest, AtMostMaxSparesAreKept) {
  SpareWorkspaces spares(Work(), 2);
  std::vector<std::string> used;
  for (const char* task : {"a", "b", "c"}) {
    Result<std::string> ws = spares.Prepare("job1", task);
    ASSERT_TRUE(ws.ok());
    used.push_back(*ws);
  }
  for (const std::string& ws : used) spares.Recycle(ws);
  EXPECT_EQ(spares.size(), 2u);
  EXPECT_TRUE(fs::exists(Work() + "/job1/c"));  // the third stayed where it was
}

TEST_F(SpareWorkspacesTest, SparesOfAnEarlierRunAreDropped) {
  fs::create_directories(Work() + "/.spare/7");
  std::ofstream(Work() + "/.spare/7/stray") << "x";
  SpareWorkspaces spares(Work(), 2);
  EXPECT_EQ(spares.size(), 0u);
  EXPECT_FALSE(fs::exists(Work() + "/.spare/7"));
}

TEST_F(SpareWorkspacesTest, UnsafeNamesAreRefusedWithOrWithoutSpares) {
  SpareWorkspaces spares(Work(), 2);
  EXPECT_FALSE(spares.Prepare("..", "a").ok());
  Result<std::string> ws = spares.Prepare("job1", "a");
  ASSERT_TRUE(ws.ok());
  spares.Recycle(*ws);
  EXPECT_FALSE(spares.Prepare("job1", "../../etc").ok());
  EXPECT_FALSE(spares.Prepare("job/1", "a").ok());
  EXPECT_EQ(spares.size(), 1u);  // a refused name takes no spare
}

TEST(LogPathTest, OneDirectoryPerJob) {
  EXPECT_EQ(LogPath("/logs", "job1", "ocr[3]", 2), "/logs/job1/ocr[3].2.log");
}

TEST(LogPathTest, ALogOfTheEarlierLayoutIsStillFound) {
  pipegrid::testing::TempDir dir;
  std::string root = dir.path().string();
  fs::create_directories(root + "/job1/task");
  std::ofstream(root + "/job1/task/1.log") << "old";
  EXPECT_EQ(FindLogPath(root, "job1", "task", 1), root + "/job1/task/1.log");
  // Neither exists: where a new one would be written.
  EXPECT_EQ(FindLogPath(root, "job1", "task", 2), LogPath(root, "job1", "task", 2));
  std::ofstream(LogPath(root, "job1", "task", 1)) << "new";
  EXPECT_EQ(FindLogPath(root, "job1", "task", 1), LogPath(root, "job1", "task", 1));
}

}  // namespace
}  // namespace pipegrid::worker
