#include "api/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_util.h"

namespace pipegrid::api {
namespace {

using ::pipegrid::testing::StatusIs;

// A handler that is never called: the tests check which one Find() picked.
Handler Named(std::string* sink, std::string name) {
  return [sink, name](const Request&, Responder) { *sink = name; };
}

TEST(PercentDecodeTest, DecodesEscapes) {
  EXPECT_EQ(*PercentDecode("ocr%5B0%5D", false), "ocr[0]");
  EXPECT_EQ(*PercentDecode("a%2fb", false), "a/b");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("a+b%20c", true), "a b c");
}

TEST(PercentDecodeTest, RejectsBadEscapes) {
  EXPECT_THAT(PercentDecode("a%", false), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(PercentDecode("a%4", false), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(PercentDecode("a%zz", false), StatusIs(StatusCode::kInvalidArgument));
}

TEST(ParseQueryTest, KeepsOrderAndRepeats) {
  Result<QueryParams> q = ParseQuery("label=team%3Ddata&state=A,B&&label=x=y&flag");
  ASSERT_TRUE(q.ok());
  QueryParams expected = {{"label", "team=data"}, {"state", "A,B"}, {"label", "x=y"}, {"flag", ""}};
  EXPECT_EQ(*q, expected);
  EXPECT_TRUE(ParseQuery("")->empty());
  EXPECT_THAT(ParseQuery("a=%g0"), StatusIs(StatusCode::kInvalidArgument));
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add(http::verb::get, "/api/v1/jobs", Named(&called_, "list"));
    router_.Add(http::verb::post, "/api/v1/jobs", Named(&called_, "submit"));
    router_.Add(http::verb::get, "/api/v1/jobs/{id}", Named(&called_, "get"));
    router_.Add(http::verb::delete_, "/api/v1/jobs/{id}", Named(&called_, "delete"));
    router_.Add(http::verb::get, "/api/v1/jobs/{id}/{what}", Named(&called_, "generic"));
    router_.Add(http::verb::get, "/api/v1/jobs/by-external-id/{externalId}",
                Named(&called_, "by-external-id"));
    router_.Add(http::verb::get, "/api/v1/jobs/{id}/tasks/{task}/logs", Named(&called_, "logs"));
  }

  std::string Call(const Router::Match& m) {
    called_.clear();
    BeastRequest raw;
    Request req(raw, "/", m.params, {});
    (*m.handler)(req, Responder([](Response) {}, [](std::function<void()>) {}));
    return called_;
  }

  Router router_;
  std::string called_;
};

TEST_F(RouterTest, MatchesLiteralAndParameterSegments) {
  Router::Match m = router_.Find(http::verb::get, "/api/v1/jobs");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "list");
  EXPECT_EQ(m.pattern, "/api/v1/jobs");

  m = router_.Find(http::verb::post, "/api/v1/jobs");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "submit");

  m = router_.Find(http::verb::get, "/api/v1/jobs/01ABC");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "get");
  EXPECT_EQ(m.pattern, "/api/v1/jobs/{id}");
  EXPECT_EQ(m.params.at("id"), "01ABC");
}

TEST_F(RouterTest, DecodesParametersAfterSplitting) {
  Router::Match m = router_.Find(http::verb::get, "/api/v1/jobs/j1/tasks/ocr%5B0%5D/logs");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "logs");
  EXPECT_EQ(m.params.at("id"), "j1");
  EXPECT_EQ(m.params.at("task"), "ocr[0]");

  // An encoded slash stays inside its segment instead of adding one.
  m = router_.Find(http::verb::get, "/api/v1/jobs/a%2Fb");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.params.at("id"), "a/b");
}

TEST_F(RouterTest, MoreLiteralPatternWins) {
  Router::Match m = router_.Find(http::verb::get, "/api/v1/jobs/by-external-id/order-4711");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "by-external-id");
  EXPECT_EQ(m.params.at("externalId"), "order-4711");

  m = router_.Find(http::verb::get, "/api/v1/jobs/j1/events");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Call(m), "generic");
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  EXPECT_EQ(router_.Find(http::verb::get, "/api/v2/jobs").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router_.Find(http::verb::get, "/api/v1/jobs/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router_.Find(http::verb::get, "/api/v1//x").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router_.Find(http::verb::get, "/").outcome, Router::Outcome::kNotFound);
}

TEST_F(RouterTest, WrongMethodListsAllowedMethods) {
  Router::Match m = router_.Find(http::verb::put, "/api/v1/jobs/j1");
  EXPECT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, DELETE");
  EXPECT_EQ(m.handler, nullptr);

  m = router_.Find(http::verb::delete_, "/api/v1/jobs");
  EXPECT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, POST");
}

TEST_F(RouterTest, BadEscapeOrRelativeTargetIsBadPath) {
  EXPECT_EQ(router_.Find(http::verb::get, "/api/v1/jobs/%zz").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router_.Find(http::verb::get, "api/v1/jobs").outcome, Router::Outcome::kBadPath);
  EXPECT_EQ(router_.Find(http::verb::get, "http://x/api/v1/jobs").outcome,
            Router::Outcome::kBadPath);
}

TEST_F(RouterTest, RoutesListsRegistrations) {
  auto routes = router_.Routes();
  ASSERT_EQ(routes.size(), 7u);
  EXPECT_EQ(routes[1], std::make_pair(http::verb::post, std::string("/api/v1/jobs")));
}

// A trailing {name...} takes the rest of the path, decoded segment by segment.
class WildcardRouterTest : public ::testing::Test {
 protected:
  WildcardRouterTest() {
    router_.Add(http::verb::get, "/jobs/{id}/outputs", Named(&called_, "list"));
    router_.Add(http::verb::get, "/jobs/{id}/outputs/{path...}", Named(&called_, "file"));
    router_.Add(http::verb::get, "/jobs/{id}/outputs/{one}", Named(&called_, "single"));
    router_.Add(http::verb::get, "/jobs/{id}/outputs/special/{rest...}",
                Named(&called_, "special"));
  }

  std::string Picked(const Router::Match& m) {
    BeastRequest raw;
    Request req(raw, "/", m.params, {});
    (*m.handler)(req, Responder([](Response) {}, [](std::function<void()>) {}));
    return called_;
  }

  Router router_;
  std::string called_;
};

TEST_F(WildcardRouterTest, TakesTheRestOfThePathDecoded) {
  Router::Match m = router_.Find(http::verb::get, "/jobs/j1/outputs/a/b%20c/d.txt");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Picked(m), "file");
  EXPECT_EQ(m.pattern, "/jobs/{id}/outputs/{path...}");
  EXPECT_EQ(m.params.at("id"), "j1");
  EXPECT_EQ(m.params.at("path"), "a/b c/d.txt");

  // Dots are text to the router: whoever serves the path decides.
  m = router_.Find(http::verb::get, "/jobs/j1/outputs/%2e%2e/x");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.params.at("path"), "../x");
}

TEST_F(WildcardRouterTest, AFixedPatternOfTheSameLengthWins) {
  Router::Match m = router_.Find(http::verb::get, "/jobs/j1/outputs/x.txt");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Picked(m), "single");
  // More literal segments win before wildcards are considered.
  m = router_.Find(http::verb::get, "/jobs/j1/outputs/special/a/b");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(Picked(m), "special");
  EXPECT_EQ(m.params.at("rest"), "a/b");
}

TEST_F(WildcardRouterTest, NeedsAtLeastOneNonEmptySegment) {
  EXPECT_EQ(Picked(router_.Find(http::verb::get, "/jobs/j1/outputs")), "list");
  EXPECT_EQ(router_.Find(http::verb::get, "/jobs/j1/outputs/").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router_.Find(http::verb::get, "/jobs/j1/outputs/a//b").outcome,
            Router::Outcome::kNotFound);
  EXPECT_EQ(router_.Find(http::verb::get, "/jobs/j1/outputs/a/b/").outcome,
            Router::Outcome::kNotFound);
  Router::Match m = router_.Find(http::verb::post, "/jobs/j1/outputs/a/b");
  EXPECT_EQ(m.outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET");
}

TEST(RouterDeathTest, WildcardMustBeLast) {
  Router router;
  EXPECT_DEATH(router.Add(http::verb::get, "/a/{x...}/b", [](const Request&, Responder) {}),
               "check failed");
}

TEST(RouterDeathTest, DuplicateRouteAborts) {
  Router router;
  router.Add(http::verb::get, "/a/{x}", [](const Request&, Responder) {});
  EXPECT_DEATH(router.Add(http::verb::get, "/a/{x}", [](const Request&, Responder) {}),
               "check failed");
}

}  // namespace
}  // namespace pipegrid::api
