#include "common/time_format.h"

#include <gtest/gtest.h>

namespace pipegrid {
namespace {

TEST(TimeFormatTest, FormatsRfc3339UtcWithMilliseconds) {
  // 2026-11-23T14:05:00.123Z, the example of DESIGN §5.
  EXPECT_EQ(FormatTime(FromUnixMillis(1'795'442'700'123)), "2026-11-23T14:05:00.123Z");
  EXPECT_EQ(FormatTime(FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTime(FromUnixMillis(-1)), "1969-12-31T23:59:59.999Z");
}

TEST(TimeFormatTest, ParsesWhatItFormats) {
  for (int64_t ms : {0LL, 1LL, 999LL, 1'795'442'700'123LL, 951'782'400'000LL /* 2000-02-29 */,
                     4'102'444'799'999LL /* 2099-12-31T23:59:59.999Z */}) {
    std::string text = FormatTime(FromUnixMillis(ms));
    std::optional<WallTime> back = ParseTime(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(ToUnixMillis(*back), ms) << text;
  }
}

TEST(TimeFormatTest, ParsesOtherPrecisions) {
  EXPECT_EQ(ToUnixMillis(*ParseTime("2026-11-23T14:05:00Z")), 1'795'442'700'000);
  EXPECT_EQ(ToUnixMillis(*ParseTime("2026-11-23T14:05:00.1Z")), 1'795'442'700'100);
  EXPECT_EQ(ToUnixMillis(*ParseTime("2026-11-23T14:05:00.123456Z")), 1'795'442'700'123);
}

TEST(TimeFormatTest, RejectsMalformed) {
  for (std::string_view bad :
       {"", "2026-11-23", "2026-11-23T14:05:00", "2026-11-23T14:05:00.Z",
        "2026-11-23T14:05:00.123+01:00", "2026-11-23T14:05:00.123Zx", "yesterday"}) {
    EXPECT_FALSE(ParseTime(bad).has_value()) << bad;
  }
}

TEST(TimeFormatTest, UnixMillisRoundTrip) {
  WallTime t = FromUnixMillis(1'767'225'600'042);
  EXPECT_EQ(ToUnixMillis(t), 1'767'225'600'042);
}

}  // namespace
}  // namespace pipegrid
