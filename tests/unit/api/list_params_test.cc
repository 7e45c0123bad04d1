#include "api/list_params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/listen_address.h"
#include "support/test_util.h"

namespace pipegrid::api {
namespace {

using ::pipegrid::testing::StatusIs;

// Owns the raw request a Request refers to.
struct QueryOnly {
  explicit QueryOnly(QueryParams query) : request(raw, "/", {}, std::move(query)) {}
  BeastRequest raw;
  Request request;
};

std::unique_ptr<QueryOnly> Q(QueryParams query) {
  return std::make_unique<QueryOnly>(std::move(query));
}

TEST(ParseLimitTest, DefaultBoundsAndGarbage) {
  EXPECT_EQ(*ParseLimit(Q({})->request), 100);
  EXPECT_EQ(*ParseLimit(Q({{"limit", "1"}})->request), 1);
  EXPECT_EQ(*ParseLimit(Q({{"limit", "1000"}})->request), 1000);
  for (const char* bad : {"0", "1001", "-5", "ten", "", "5x"}) {
    Result<int> r = ParseLimit(Q({{"limit", bad}})->request);
    EXPECT_THAT(r, StatusIs(StatusCode::kInvalidArgument)) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().field(), "limit");
    }
  }
}

TEST(ParseJobFilterTest, StatesLabelsNamespaceAndAfter) {
  auto q = Q({{"state", "RUNNING,FAILED"},
              {"state", "PENDING"},
              {"label", "team=data"},
              {"label", "env=a=b"},
              {"namespace", "ns1"},
              {"after", "01X"},
              {"limit", "7"}});
  Result<store::JobFilter> f = ParseJobFilter(q->request);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->states,
            (std::vector<JobState>{JobState::kRunning, JobState::kFailed, JobState::kPending}));
  EXPECT_EQ(f->labels, (std::map<std::string, std::string>{{"team", "data"}, {"env", "a=b"}}));
  EXPECT_EQ(f->namespace_, "ns1");
  EXPECT_EQ(f->after, "01X");
  EXPECT_EQ(f->limit, 7);
}

TEST(ParseJobFilterTest, RejectsUnknownStateAndBadLabel) {
  Result<store::JobFilter> f = ParseJobFilter(Q({{"state", "RUNNING,DONE"}})->request);
  ASSERT_THAT(f, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(f.status().field(), "state");
  EXPECT_THAT(f.status().message(), ::testing::HasSubstr("DONE"));
  // Task states are not job states.
  EXPECT_THAT(ParseJobFilter(Q({{"state", "QUEUED"}})->request),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseJobFilter(Q({{"label", "novalue"}})->request),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseJobFilter(Q({{"label", "=x"}})->request),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(ParseEventFilterTest, SinceOrAfter) {
  EXPECT_EQ(ParseEventFilter(Q({})->request)->since, 0);
  EXPECT_EQ(ParseEventFilter(Q({{"since", "42"}})->request)->since, 42);
  EXPECT_EQ(ParseEventFilter(Q({{"after", "17"}})->request)->since, 17);
  EXPECT_EQ(ParseEventFilter(Q({{"limit", "3"}})->request)->limit, 3);
  EXPECT_THAT(ParseEventFilter(Q({{"since", "-1"}})->request),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseEventFilter(Q({{"since", "x"}})->request),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(ParseDeadLetterFilterTest, Fields) {
  Result<store::DeadLetterFilter> f =
      ParseDeadLetterFilter(Q({{"namespace", "n"}, {"after", "t9"}})->request);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->namespace_, "n");
  EXPECT_EQ(f->after, "t9");
  EXPECT_EQ(f->limit, 100);
}

TEST(TakePageTest, TokenOnlyWhenMoreRemain) {
  auto id = [](int v) { return std::to_string(v); };
  std::vector<int> more = {1, 2, 3, 4};  // fetched limit + 1
  EXPECT_EQ(TakePage(more, 3, id), "3");
  EXPECT_EQ(more, (std::vector<int>{1, 2, 3}));
  std::vector<int> last = {1, 2, 3};
  EXPECT_EQ(TakePage(last, 3, id), std::nullopt);
  EXPECT_EQ(last.size(), 3u);
}

TEST(ParseListenAddressTest, Forms) {
  Result<ListenAddress> a = ParseListenAddress("127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  EXPECT_EQ(ParseListenAddress("[::1]:0")->host, "::1");
  EXPECT_EQ(ParseListenAddress(":9000")->host, "");
  EXPECT_EQ(ParseListenAddress("localhost:65535")->port, 65535);
  for (const char* bad : {"8080", "host:", "host:65536", "host:x", "::1:80", "[::1:80"}) {
    EXPECT_THAT(ParseListenAddress(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

}  // namespace
}  // namespace pipegrid::api
