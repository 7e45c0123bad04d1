#include "master/backoff.h"

#include <gtest/gtest.h>

namespace pipegrid::master {
namespace {

spec::Backoff Exact(int64_t initial_ms, double factor, int64_t max_ms) {
  spec::Backoff b;
  b.initial = Millis(initial_ms);
  b.factor = factor;
  b.max = Millis(max_ms);
  b.jitter = 0;
  return b;
}

TEST(BackoffTest, GrowsByFactorFromInitial) {
  std::mt19937_64 rng(1);
  auto b = Exact(1000, 2, 60'000);
  EXPECT_EQ(BackoffDelay(b, 1, rng), Millis(1000));
  EXPECT_EQ(BackoffDelay(b, 2, rng), Millis(2000));
  EXPECT_EQ(BackoffDelay(b, 3, rng), Millis(4000));
  EXPECT_EQ(BackoffDelay(b, 6, rng), Millis(32000));
}

TEST(BackoffTest, CappedAtMaxEvenForHugeRetryNumbers) {
  std::mt19937_64 rng(1);
  auto b = Exact(1000, 2, 60'000);
  EXPECT_EQ(BackoffDelay(b, 7, rng), Millis(60'000));
  EXPECT_EQ(BackoffDelay(b, 5000, rng), Millis(60'000));
}

TEST(BackoffTest, FactorOneIsConstant) {
  std::mt19937_64 rng(1);
  auto b = Exact(250, 1, 60'000);
  EXPECT_EQ(BackoffDelay(b, 1, rng), Millis(250));
  EXPECT_EQ(BackoffDelay(b, 9, rng), Millis(250));
}

TEST(BackoffTest, JitterStaysWithinBoundsAndVaries) {
  std::mt19937_64 rng(7);
  spec::Backoff b = Exact(1000, 2, 60'000);
  b.jitter = 0.2;
  int64_t lo = 1'000'000, hi = 0;
  for (int i = 0; i < 2000; ++i) {
    int64_t d = BackoffDelay(b, 2, rng).count();  // base 2000ms
    ASSERT_GE(d, 1600);
    ASSERT_LE(d, 2400);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  // Drawn over the whole range, not stuck at the centre.
  EXPECT_LT(lo, 1700);
  EXPECT_GT(hi, 2300);
}

TEST(BackoffTest, SameSeedSameDelays) {
  spec::Backoff b = Exact(1000, 2, 60'000);
  b.jitter = 0.5;
  std::mt19937_64 a(99), c(99);
  for (int i = 1; i < 10; ++i) EXPECT_EQ(BackoffDelay(b, i, a), BackoffDelay(b, i, c));
}

}  // namespace
}  // namespace pipegrid::master
