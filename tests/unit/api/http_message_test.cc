#include "api/http_message.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/time_format.h"

namespace pipegrid::api {
namespace {

struct Delivered {
  std::vector<Response> responses;
  std::vector<std::function<void()>> posted;
};

Responder MakeResponder(Delivered& d) {
  return Responder([&d](Response r) { d.responses.push_back(std::move(r)); },
                   [&d](std::function<void()> fn) { d.posted.push_back(std::move(fn)); });
}

TEST(ResponderTest, FirstSendWinsAcrossCopies) {
  Delivered d;
  {
    Responder r = MakeResponder(d);
    Responder copy = r;
    copy.Send(TextResponse(http::status::ok, "first"));
    r.Send(TextResponse(http::status::ok, "second"));
  }
  ASSERT_EQ(d.responses.size(), 1u);
  EXPECT_EQ(d.responses[0].body(), "first");
}

TEST(ResponderTest, DroppedWithoutAnswerSendsInternalError) {
  Delivered d;
  { Responder r = MakeResponder(d); }
  ASSERT_EQ(d.responses.size(), 1u);
  EXPECT_EQ(d.responses[0].result(), http::status::internal_server_error);
  EXPECT_EQ(nlohmann::json::parse(d.responses[0].body())["error"]["code"], "INTERNAL");
}

TEST(ResponderTest, PostHandsTheFunctionToThePoster) {
  Delivered d;
  Responder r = MakeResponder(d);
  bool ran = false;
  r.Post([&ran] { ran = true; });
  EXPECT_FALSE(ran);  // never inline
  ASSERT_EQ(d.posted.size(), 1u);
  d.posted[0]();
  EXPECT_TRUE(ran);
  r.Send(EmptyResponse(http::status::no_content));
}

TEST(RequestTest, ParamsQueryAndHeaders) {
  BeastRequest raw{http::verb::post, "/x?a=1", 11};
  raw.set(http::field::content_type, "application/json");
  raw.body() = "{}";
  Request req(raw, "/x", {{"id", "j1"}}, {{"a", "1"}, {"b", "2"}, {"a", "3"}});
  EXPECT_EQ(req.method(), http::verb::post);
  EXPECT_EQ(req.path(), "/x");
  EXPECT_EQ(req.body(), "{}");
  EXPECT_EQ(req.Header(http::field::content_type), "application/json");
  EXPECT_EQ(req.Header(http::field::accept), "");
  EXPECT_EQ(req.Param("id"), "j1");
  EXPECT_EQ(req.Query("a"), "1");
  EXPECT_EQ(req.Query("missing"), std::nullopt);
  EXPECT_EQ(req.QueryAll("a"), (std::vector<std::string>{"1", "3"}));
}

TEST(HttpDateTest, FormatsImfFixdate) {
  EXPECT_EQ(HttpDate(FromUnixMillis(784111777000)), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(HttpDate(FromUnixMillis(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(DumpJsonTest, ReplacesInvalidUtf8InsteadOfThrowing) {
  nlohmann::json j = {{"reason", std::string("bad \xff byte")}};
  std::string text = DumpJson(j);
  EXPECT_EQ(nlohmann::json::parse(text)["reason"], "bad \xEF\xBF\xBD byte");
}

}  // namespace
}  // namespace pipegrid::api
