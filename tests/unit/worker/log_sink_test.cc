#include "worker/log_sink.h"

#include <filesystem>
#include <fstream>

#include "support/test_util.h"
#include "worker_test_util.h"

namespace pipegrid::worker::testing {
namespace {

using pipegrid::testing::TempDir;

std::unique_ptr<LogSink> OpenOrDie(const std::string& path, int64_t max) {
  Result<std::unique_ptr<LogSink>> sink = LogSink::Open(path, max);
  if (!sink.ok()) std::abort();
  return std::move(sink).value();
}

TEST(LogSinkTest, CreatesDirectoriesAndKeepsOutputUnderTheCap) {
  TempDir dir;
  std::string path = dir.Sub("a/b/1.log");
  auto sink = OpenOrDie(path, 10);
  sink->Append("hello\n");
  sink->Append("wor");
  sink.reset();
  EXPECT_EQ(ReadFile(path), "hello\nwor");
}

TEST(LogSinkTest, ExactlyAtTheCapIsNotTruncated) {
  TempDir dir;
  auto sink = OpenOrDie(dir.Sub("1.log"), 4);
  sink->Append("abcd");
  EXPECT_FALSE(sink->truncated());
  sink->Append("e");
  EXPECT_TRUE(sink->truncated());
  EXPECT_EQ(ReadFile(dir.Sub("1.log")), "abcd\n[pipegrid: log truncated at 4 bytes]\n");
}

TEST(LogSinkTest, TruncationLineIsWrittenOnceOnItsOwnLine) {
  TempDir dir;
  auto sink = OpenOrDie(dir.Sub("1.log"), 8);
  sink->Append("line1\nline2\n");
  sink->Append("more");
  sink->AppendNote("[pipegrid: note]");
  EXPECT_EQ(sink->bytes_written(), 8);
  EXPECT_EQ(ReadFile(dir.Sub("1.log")), "line1\nli\n[pipegrid: log truncated at 8 bytes]\n");
}

TEST(LogSinkTest, NoteStartsOnANewLine) {
  TempDir dir;
  auto sink = OpenOrDie(dir.Sub("1.log"), 1000);
  sink->Append("partial");
  sink->AppendNote("[pipegrid: x]");
  EXPECT_EQ(ReadFile(dir.Sub("1.log")), "partial\n[pipegrid: x]\n");
}

TEST(LogSinkTest, ReopeningTruncatesAnOldFile) {
  TempDir dir;
  OpenOrDie(dir.Sub("1.log"), 100)->Append("old attempt output\n");
  OpenOrDie(dir.Sub("1.log"), 100)->Append("new\n");
  EXPECT_EQ(ReadFile(dir.Sub("1.log")), "new\n");
}

TEST(LogSinkTest, OnFirstWriteMakesNoFileUntilOutputComes) {
  TempDir dir;
  std::string path = dir.Sub("job/t.1.log");
  Result<std::unique_ptr<LogSink>> sink =
      LogSink::Open(path, 100, LogSink::Create::kOnFirstWrite);
  ASSERT_TRUE(sink.ok());
  (*sink)->Append("");
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("job")));
  (*sink)->Append("late\n");
  EXPECT_EQ(ReadFile(path), "late\n");
}

TEST(LogSinkTest, AnUnwritablePathFailsAtOnceOrAtTheFirstWrite) {
  TempDir dir;
  std::string blocked = dir.Sub("file");
  std::ofstream(blocked) << "x";  // a file where a directory should be
  EXPECT_FALSE(LogSink::Open(blocked + "/1.log", 100).ok());
  Result<std::unique_ptr<LogSink>> lazy =
      LogSink::Open(blocked + "/1.log", 100, LogSink::Create::kOnFirstWrite);
  ASSERT_TRUE(lazy.ok());
  (*lazy)->Append("output\n");  // dropped, never an exception or a stall
  EXPECT_FALSE((*lazy)->error().ok());
}

}  // namespace
}  // namespace pipegrid::worker::testing
