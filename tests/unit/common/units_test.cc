#include "common/units.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_util.h"

namespace pipegrid {
namespace {

using ::pipegrid::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseDurationTest, SingleAndCombinedUnits) {
  struct Case {
    std::string_view text;
    int64_t ms;
  };
  for (const Case& c :
       {Case{"250ms", 250}, Case{"3s", 3000}, Case{"10m", 600'000}, Case{"1h30m", 5'400'000},
        Case{"2d", 172'800'000}, Case{"0", 0}, Case{"0s", 0}, Case{"1d2h3m4s5ms", 93'784'005},
        Case{"90s", 90'000}, Case{"1m500ms", 60'500}, Case{"007s", 7000}}) {
    Result<Millis> d = ParseDuration(c.text);
    ASSERT_TRUE(d.ok()) << c.text << ": " << d.status().ToString();
    EXPECT_EQ(d->count(), c.ms) << c.text;
  }
}

TEST(ParseDurationTest, RejectsWithAClearMessage) {
  Result<Millis> d = ParseDuration("abc");
  ASSERT_THAT(d, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(d.status().message(),
            "invalid duration \"abc\": expected a number followed by ms, s, m, h or d");
  for (std::string_view bad : {"", "10", "1.5h", "h", "5 s", " 5s", "5s ", "5x", "1m1h", "1s1s",
                               "1ms1s", "+5s", "5S", "1h30", "ms"}) {
    EXPECT_THAT(ParseDuration(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(ParseDurationTest, RejectsNegativeAndHuge) {
  EXPECT_THAT(ParseDuration("-5s").status().message(), HasSubstr("must not be negative"));
  EXPECT_THAT(ParseDuration("99999999999999999999d").status().message(), HasSubstr("too large"));
  EXPECT_THAT(ParseDuration("36501d"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(ParseDuration("36500d").ok());
}

TEST(FormatDurationTest, LargestUnitsFirst) {
  EXPECT_EQ(FormatDuration(Millis(90'000)), "1m30s");
  EXPECT_EQ(FormatDuration(Millis(250)), "250ms");
  EXPECT_EQ(FormatDuration(Millis(0)), "0s");
  EXPECT_EQ(FormatDuration(Millis(3'600'000)), "1h");
  EXPECT_EQ(FormatDuration(Millis(86'400'000)), "1d");
  EXPECT_EQ(FormatDuration(Millis(93'784'005)), "1d2h3m4s5ms");
  EXPECT_EQ(FormatDuration(Millis(1001)), "1s1ms");
  EXPECT_EQ(FormatDuration(Millis(-1500)), "-1s500ms");
}

TEST(FormatDurationTest, RoundTripsThroughParse) {
  for (int64_t ms : {0LL, 1LL, 999LL, 1000LL, 59'999LL, 61'001LL, 3'599'999LL, 86'400'001LL,
                     123'456'789'012LL}) {
    Result<Millis> back = ParseDuration(FormatDuration(Millis(ms)));
    ASSERT_TRUE(back.ok()) << ms;
    EXPECT_EQ(back->count(), ms);
  }
}

TEST(ParseSizeTest, Suffixes) {
  struct Case {
    std::string_view text;
    int64_t bytes;
  };
  for (const Case& c :
       {Case{"1024", 1024}, Case{"0", 0}, Case{"256Mi", 256LL << 20}, Case{"1Gi", 1LL << 30},
        Case{"500M", 500'000'000}, Case{"2K", 2000}, Case{"3Ki", 3072}, Case{"1G", 1'000'000'000},
        Case{"2T", 2'000'000'000'000}, Case{"1Ti", 1LL << 40}}) {
    Result<int64_t> s = ParseSize(c.text);
    ASSERT_TRUE(s.ok()) << c.text << ": " << s.status().ToString();
    EXPECT_EQ(*s, c.bytes) << c.text;
  }
}

TEST(ParseSizeTest, Rejects) {
  Result<int64_t> s = ParseSize("1Gb");
  ASSERT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(s.status().message(), HasSubstr("invalid size \"1Gb\""));
  for (std::string_view bad : {"", "Mi", "1.5Gi", "-1", "1 Mi", "1mi", "1KiB", "x"}) {
    EXPECT_THAT(ParseSize(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_THAT(ParseSize("9000000Ti").status().message(), HasSubstr("too large"));
  EXPECT_THAT(ParseSize("99999999999999999999").status().message(), HasSubstr("too large"));
}

}  // namespace
}  // namespace pipegrid
