// A remote worker's output lands in the master's log files: in order, once,
// with resent chunks dropped and lost bytes marked.
#include "api/remote_log_writer.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/test_util.h"
#include "worker/agent.h"

namespace pipegrid::api {
namespace {

class RemoteLogWriterTest : public ::testing::Test {
 protected:
  std::string Log() { return ReadFile(worker::LogPath(dir_.path().string(), "job", "task", 2)); }
  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
  pipegrid::testing::TempDir dir_;
  RemoteLogWriter writer_{dir_.path().string()};
};

TEST_F(RemoteLogWriterTest, AppendsChunksAtTheirOffsets) {
  writer_.Expect("att", "job", "task", 2);
  EXPECT_EQ(writer_.Size("att"), 0);
  writer_.Write("att", 0, "hello ");
  writer_.Write("att", 6, "world\n");
  EXPECT_EQ(writer_.Size("att"), 12);
  EXPECT_EQ(Log(), "hello world\n");
}

TEST_F(RemoteLogWriterTest, ResentChunksAreDroppedAndOverlapsTrimmed) {
  writer_.Expect("att", "job", "task", 2);
  writer_.Write("att", 0, "abcdef");
  writer_.Write("att", 0, "abc");       // all held already
  writer_.Write("att", 3, "defghi");    // half held
  EXPECT_EQ(Log(), "abcdefghi");
}

TEST_F(RemoteLogWriterTest, AGapIsMarked) {
  writer_.Expect("att", "job", "task", 2);
  writer_.Write("att", 0, "ab");
  writer_.Write("att", 10, "xy");
  std::string log = Log();
  EXPECT_EQ(log.rfind("ab", 0), 0u);
  EXPECT_NE(log.find("8 bytes of output lost"), std::string::npos) << log;
  EXPECT_EQ(log.substr(log.size() - 2), "xy");
  writer_.Write("att", 12, "z");  // positions follow the worker's from there
  EXPECT_EQ(Log().back(), 'z');
}

TEST_F(RemoteLogWriterTest, ChunksOfUnexpectedAttemptsAreDropped) {
  writer_.Write("stranger", 0, "nope");
  EXPECT_EQ(writer_.Size("stranger"), 0);
  EXPECT_EQ(Log(), "");
}

TEST_F(RemoteLogWriterTest, AReopenedLogContinuesAtItsSize) {
  writer_.Expect("att", "job", "task", 2);
  writer_.Write("att", 0, "first ");
  writer_.Finish("att");
  RemoteLogWriter after_restart(dir_.path().string());
  after_restart.Expect("att", "job", "task", 2);
  EXPECT_EQ(after_restart.Size("att"), 6);
  after_restart.Write("att", 0, "first second");
  EXPECT_EQ(Log(), "first second");
}

}  // namespace
}  // namespace pipegrid::api
