// The HTTP server over real sockets, serving a Router of test handlers.
#include "api/http_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <stdexcept>
#include <thread>

#include "api/errors.h"
#include "support/test_util.h"
#include "unit/api/test_client.h"

namespace pipegrid::api {
namespace {

using ::pipegrid::api::testing::ErrorCode;
using ::pipegrid::api::testing::Get;
using ::pipegrid::api::testing::Json;
using ::pipegrid::api::testing::TestConnection;
using ::pipegrid::testing::StatusIs;
using ::testing::HasSubstr;

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    router_.Add(http::verb::get, "/hello/{name}", [](const Request& req, Responder r) {
      r.Send(TextResponse(http::status::ok, "hello " + req.Param("name") + " " +
                                                req.Query("greeting").value_or("-")));
    });
    router_.Add(http::verb::post, "/echo", [](const Request& req, Responder r) {
      Response res = TextResponse(http::status::ok, req.body());
      res.set("X-Content-Type", std::string(req.Header(http::field::content_type)));
      r.Send(std::move(res));
    });
    // Hands its Responder to the test, which answers when it chooses.
    router_.Add(http::verb::get, "/later",
                [this](const Request&, Responder r) { parked_.set_value(r); });
    router_.Add(http::verb::get, "/drop", [](const Request&, Responder) {});
    router_.Add(http::verb::get, "/throw",
                [](const Request&, Responder) { throw std::runtime_error("boom"); });
  }

  void StartServer(HttpServerOptions options = {}) {
    Result<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(std::move(options), std::move(router_), clock_, stats_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  uint16_t port() const { return server_->port(); }

  uint64_t Count(const std::string& route, int code) {
    for (const RequestCount& c : stats_->Snapshot()) {
      if (c.route == route && c.code == code) return c.count;
    }
    return 0;
  }

  FakeClock clock_;
  std::shared_ptr<RequestStats> stats_ = std::make_shared<RequestStats>();
  Router router_;
  std::promise<Responder> parked_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesRouteWithDecodedParamsAndQuery) {
  StartServer();
  EXPECT_NE(port(), 0);
  auto res = Get(port(), "/hello/ocr%5B0%5D?greeting=good+day");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "hello ocr[0] good day");
  EXPECT_EQ(res[http::field::content_type], "text/plain; charset=utf-8");
  EXPECT_EQ(res[http::field::server], "pipegrid");
  EXPECT_THAT(std::string(res[http::field::date]), HasSubstr("GMT"));
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  TestConnection c(port());
  for (int i = 0; i < 3; ++i) {
    auto res = c.Call(http::verb::post, "/echo", "body " + std::to_string(i), "text/x-test");
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), "body " + std::to_string(i));
    EXPECT_EQ(res["X-Content-Type"], "text/x-test");
    EXPECT_TRUE(res.keep_alive());
  }
  EXPECT_EQ(Count("/echo", 200), 3u);
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  StartServer();
  TestConnection c(port());
  c.SendRaw("GET /hello/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  auto res = c.Read();
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HttpServerTest, UnknownRouteIsJson404AndConnectionStaysUsable) {
  StartServer();
  TestConnection c(port());
  auto res = c.Call(http::verb::get, "/nope");
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(ErrorCode(res), "NOT_FOUND");
  EXPECT_THAT(Json(res)["error"]["message"].get<std::string>(), HasSubstr("GET /nope"));
  EXPECT_EQ(c.Call(http::verb::get, "/hello/x").result(), http::status::ok);
  EXPECT_EQ(Count(kUnmatchedRoute, 404), 1u);
  EXPECT_EQ(Count("/hello/{name}", 200), 1u);
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  StartServer();
  auto res = TestConnection(port()).Call(http::verb::delete_, "/echo");
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res[http::field::allow], "POST");
  EXPECT_EQ(ErrorCode(res), "INVALID_ARGUMENT");
}

TEST_F(HttpServerTest, BadPercentEncodingIs400) {
  StartServer();
  TestConnection c(port());
  EXPECT_EQ(c.Call(http::verb::get, "/hello/%zz").result(), http::status::bad_request);
  auto res = c.Call(http::verb::get, "/hello/x?greeting=%g");
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(ErrorCode(res), "INVALID_ARGUMENT");
}

TEST_F(HttpServerTest, OversizeBodyIs413FromContentLengthThenClosed) {
  StartServer({.max_body_bytes = 1024});
  TestConnection c(port());
  // The body is never sent: the server answers from the header alone.
  c.SendRaw("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n");
  auto res = c.Read();
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_EQ(ErrorCode(res), "RESOURCE_EXHAUSTED");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(c.ClosedByServer());
  // A body exactly at the limit is fine, on a new connection.
  auto ok = TestConnection(port()).Call(http::verb::post, "/echo", std::string(1024, 'x'));
  EXPECT_EQ(ok.result(), http::status::ok);
  EXPECT_EQ(ok.body().size(), 1024u);
}

TEST_F(HttpServerTest, OversizeChunkedBodyIs413) {
  StartServer({.max_body_bytes = 16});
  TestConnection c(port());
  c.SendRaw(
      "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
  auto res = c.Read();
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HttpServerTest, ExpectContinueGetsInterimResponseThenTheAnswer) {
  StartServer();
  TestConnection c(port());
  c.SendRaw("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.Read();
  EXPECT_EQ(interim.result(), http::status::continue_);
  c.SendRaw("hello");
  auto res = c.Read();
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "hello");
}

TEST_F(HttpServerTest, ExpectContinueWithOversizeBodyIsRefusedAtOnce) {
  StartServer({.max_body_bytes = 10});
  TestConnection c(port());
  c.SendRaw("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.Read().result(), http::status::payload_too_large);
}

TEST_F(HttpServerTest, OversizeHeaderIs431) {
  StartServer({.max_header_bytes = 1024});
  TestConnection c(port());
  c.SendRaw("GET /hello/x HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(2000, 'x') + "\r\n\r\n");
  auto res = c.Read();
  EXPECT_EQ(res.result(), http::status::request_header_fields_too_large);
  EXPECT_EQ(ErrorCode(res), "RESOURCE_EXHAUSTED");
}

TEST_F(HttpServerTest, MalformedRequestIs400ThenClosedAndServerKeepsServing) {
  StartServer();
  TestConnection bad(port());
  bad.SendRaw("THIS IS NOT HTTP\r\n\r\n");
  auto res = bad.Read();
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(ErrorCode(res), "INVALID_ARGUMENT");
  EXPECT_TRUE(bad.ClosedByServer());

  TestConnection bad_version(port());
  bad_version.SendRaw("GET / HTTP/9.9\r\n\r\n");
  EXPECT_EQ(bad_version.Read().result(), http::status::bad_request);

  EXPECT_EQ(Get(port(), "/hello/again").body(), "hello again -");
  EXPECT_EQ(Count(kMalformedRoute, 400), 2u);
}

TEST_F(HttpServerTest, IdleConnectionIsClosedAfterTimeout) {
  StartServer({.idle_timeout = Millis(100)});
  TestConnection idle(port());
  // Sends nothing: the server gives up on it (the client's own receive
  // timeout is far longer, so the close came from the server).
  EXPECT_TRUE(idle.ClosedByServer());
  EXPECT_EQ(Get(port(), "/hello/x").result(), http::status::ok);
}

TEST_F(HttpServerTest, AnswerFromAnotherThreadLater) {
  StartServer();
  std::future<Responder> parked = parked_.get_future();
  TestConnection c(port());
  c.Send(http::verb::get, "/later");
  Responder r = parked.get();
  std::thread other([r] { r.Send(TextResponse(http::status::accepted, "done")); });
  other.join();
  auto res = c.Read();
  EXPECT_EQ(res.result(), http::status::accepted);
  EXPECT_EQ(res.body(), "done");
  // The connection continues after an asynchronous answer.
  EXPECT_EQ(c.Call(http::verb::get, "/hello/x").result(), http::status::ok);
}

TEST_F(HttpServerTest, PostRunsOnServerThreads) {
  StartServer();
  std::future<Responder> parked = parked_.get_future();
  TestConnection c(port());
  c.Send(http::verb::get, "/later");
  Responder r = parked.get();
  std::promise<std::thread::id> ran_on;
  r.Post([r, &ran_on] {
    ran_on.set_value(std::this_thread::get_id());
    r.Send(TextResponse(http::status::ok, "posted"));
  });
  EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
  EXPECT_EQ(c.Read().body(), "posted");
}

TEST_F(HttpServerTest, DroppedResponderAnswers500) {
  StartServer();
  auto res = Get(port(), "/drop");
  EXPECT_EQ(res.result(), http::status::internal_server_error);
  EXPECT_EQ(ErrorCode(res), "INTERNAL");
}

TEST_F(HttpServerTest, ThrowingHandlerAnswers500AndServerSurvives) {
  StartServer();
  TestConnection c(port());
  auto res = c.Call(http::verb::get, "/throw");
  EXPECT_EQ(res.result(), http::status::internal_server_error);
  EXPECT_EQ(c.Call(http::verb::get, "/hello/x").result(), http::status::ok);
}

TEST_F(HttpServerTest, StopWithAnswerPendingDropsItAndClosesConnections) {
  StartServer();
  std::future<Responder> parked = parked_.get_future();
  TestConnection c(port());
  c.Send(http::verb::get, "/later");
  Responder r = parked.get();
  server_->Stop();
  server_->Stop();  // idempotent
  EXPECT_TRUE(c.ClosedByServer());
  // The scheduler answering after the server stopped must be harmless, even
  // once the server object is gone.
  r.Send(TextResponse(http::status::ok, "too late"));
  server_.reset();
  r.Post([] { ADD_FAILURE() << "ran after Stop"; });
}

TEST_F(HttpServerTest, ManyClientsOnSeveralThreads) {
  StartServer({.threads = 3});
  constexpr int kClients = 6;
  constexpr int kRequests = 20;
  std::vector<std::future<int>> oks;
  for (int i = 0; i < kClients; ++i) {
    oks.push_back(std::async(std::launch::async, [this, i] {
      TestConnection c(port());
      int ok = 0;
      for (int j = 0; j < kRequests; ++j) {
        std::string body = std::to_string(i) + "/" + std::to_string(j);
        auto res = c.Call(http::verb::post, "/echo", body);
        ok += res.result() == http::status::ok && res.body() == body;
      }
      return ok;
    }));
  }
  for (auto& f : oks) EXPECT_EQ(f.get(), kRequests);
  EXPECT_EQ(Count("/echo", 200), static_cast<uint64_t>(kClients * kRequests));
}

TEST_F(HttpServerTest, PortInUseIsUnavailableWithAClearMessage) {
  StartServer();
  std::string address = "127.0.0.1:" + std::to_string(port());
  Result<std::unique_ptr<HttpServer>> second =
      HttpServer::Start({.listen = address}, Router(), clock_, stats_);
  ASSERT_THAT(second, StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(second.status().message(), "cannot listen on " + address + ": Address already in use");
}

TEST_F(HttpServerTest, InvalidOptionsAreRejected) {
  EXPECT_THAT(HttpServer::Start({.listen = "nonsense"}, Router(), clock_, stats_),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(HttpServer::Start({.threads = 0}, Router(), clock_, stats_),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace pipegrid::api
