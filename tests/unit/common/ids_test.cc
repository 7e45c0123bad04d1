#include "common/ids.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace pipegrid {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

TEST(IdGeneratorTest, IdsAreUniqueAndOrderedWithinOneMillisecond) {
  FakeClock clock;  // never advanced: every id shares its timestamp
  IdGenerator ids(clock);
  std::string previous = ids.Next();
  std::set<std::string> seen = {previous};
  for (int i = 0; i < 10000; ++i) {
    std::string id = ids.Next();
    EXPECT_LT(previous, id);
    seen.insert(id);
    previous = id;
  }
  EXPECT_EQ(seen.size(), 10001u);
}

TEST(IdGeneratorTest, LaterIdsCompareGreaterAcrossTime) {
  FakeClock clock;
  IdGenerator ids(clock);
  std::string previous = ids.Next();
  for (int i = 0; i < 1000; ++i) {
    clock.Advance(std::chrono::milliseconds(1 + i % 7));
    std::string id = ids.Next();
    EXPECT_LT(previous, id);
    previous = id;
  }
}

TEST(IdGeneratorTest, FormatIs26Base32Characters) {
  FakeClock clock;
  IdGenerator ids(clock);
  std::string id = ids.Next();
  ASSERT_EQ(id.size(), 26u);
  for (char c : id) EXPECT_NE(kAlphabet.find(c), std::string_view::npos) << id;
  // The first 10 characters carry the time: two generators agree on them.
  IdGenerator other(clock);
  EXPECT_EQ(other.Next().substr(0, 10), id.substr(0, 10));
}

TEST(IdGeneratorTest, TimePrefixOrdersIdsOfDifferentGenerators) {
  FakeClock clock;
  IdGenerator a(clock);
  IdGenerator b(clock);
  std::string first = a.Next();
  clock.Advance(std::chrono::milliseconds(1));
  // b's counter starts at an unrelated random value; the time prefix decides.
  EXPECT_LT(first, b.Next());
}

TEST(IdGeneratorTest, UniqueAcrossThreads) {
  FakeClock clock;
  IdGenerator ids(clock);
  constexpr int kThreads = 4;
  constexpr int kEach = 2500;
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) made[t].push_back(ids.Next());
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& v : made) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), size_t{kThreads * kEach});
}

}  // namespace
}  // namespace pipegrid
