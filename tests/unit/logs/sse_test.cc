#include "logs/sse.h"

#include <gtest/gtest.h>

namespace pipegrid::logs {
namespace {

TEST(SseTest, IdTypeAndOneDataLinePerLine) {
  EXPECT_EQ(SseEvent("7", "task", "{\"a\":1}"), "id: 7\nevent: task\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(SseEvent("", "log", "one\ntwo"), "event: log\ndata: one\ndata: two\n\n");
  EXPECT_EQ(SseEvent("", "", "x"), "data: x\n\n");
}

TEST(SseTest, TrailingLineBreakSurvivesTheClientsJoin) {
  // A client joins data lines with LF and drops the last LF it added: "a\n"
  // must go out as the lines "a" and "".
  EXPECT_EQ(SseEvent("", "log", "a\n"), "event: log\ndata: a\ndata: \n\n");
  EXPECT_EQ(SseEvent("", "log", ""), "event: log\ndata: \n\n");
}

TEST(SseTest, CarriageReturnsEndLinesLikeLineFeeds) {
  // SSE ends a line at CR, LF or CRLF: a CR left inside a data line would
  // split it on the client. CRLF is one break, not two.
  EXPECT_EQ(SseEvent("", "log", "a\r\nb\rc"), "event: log\ndata: a\ndata: b\ndata: c\n\n");
  EXPECT_EQ(SseEvent("", "log", "\r\n\n"), "event: log\ndata: \ndata: \ndata: \n\n");
}

}  // namespace
}  // namespace pipegrid::logs
