#include "worker/remote/instance_id.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/test_util.h"

namespace pipegrid::worker {
namespace {

TEST(InstanceIdTest, CreatedOnceThenKept) {
  pipegrid::testing::TempDir dir;
  auto first = LoadOrCreateInstanceId(dir.path().string());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->size(), 16u);
  auto again = LoadOrCreateInstanceId(dir.path().string());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  struct stat st {};
  ASSERT_EQ(::stat(dir.Sub("instance-id").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(InstanceIdTest, AnotherWorkDirIsAnotherInstance) {
  pipegrid::testing::TempDir a, b;
  EXPECT_NE(*LoadOrCreateInstanceId(a.path().string()), *LoadOrCreateInstanceId(b.path().string()));
}

TEST(InstanceIdTest, AnUnwritableDirIsAnError) {
  EXPECT_FALSE(LoadOrCreateInstanceId("/nonexistent/dir").ok());
}

}  // namespace
}  // namespace pipegrid::worker
