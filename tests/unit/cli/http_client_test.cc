#include "cli/http_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_util.h"
#include "unit/cli/fake_http_server.h"

namespace pipegrid::cli {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using testing::CannedResponse;
using testing::FakeHttpServer;
using ::testing::HasSubstr;
using testing::JsonResponse;
using testing::RecordedRequest;

TEST(ParseBaseUrlTest, HostAndPort) {
  Result<BaseUrl> url = ParseBaseUrl("http://127.0.0.1:8080");
  ASSERT_THAT(url, IsOk());
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->prefix, "");
  EXPECT_EQ(url->ToString(), "http://127.0.0.1:8080");
}

TEST(ParseBaseUrlTest, DefaultsPortAndSchemeAndKeepsPrefix) {
  Result<BaseUrl> no_port = ParseBaseUrl("http://pipegrid.example");
  ASSERT_THAT(no_port, IsOk());
  EXPECT_EQ(no_port->port, 80);

  Result<BaseUrl> no_scheme = ParseBaseUrl("localhost:9000");
  ASSERT_THAT(no_scheme, IsOk());
  EXPECT_EQ(no_scheme->host, "localhost");
  EXPECT_EQ(no_scheme->port, 9000);

  Result<BaseUrl> prefixed = ParseBaseUrl("HTTP://proxy:81/pipegrid//");
  ASSERT_THAT(prefixed, IsOk());
  EXPECT_EQ(prefixed->prefix, "/pipegrid");
  EXPECT_EQ(prefixed->ToString(), "http://proxy:81/pipegrid");
}

TEST(ParseBaseUrlTest, Ipv6LiteralIsBracketedInHostHeader) {
  Result<BaseUrl> url = ParseBaseUrl("http://[::1]:8080/");
  ASSERT_THAT(url, IsOk());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->HostHeader(), "[::1]:8080");
}

TEST(ParseBaseUrlTest, HttpsIsNotSupportedYet) {
  Result<BaseUrl> url = ParseBaseUrl("https://127.0.0.1:8443");
  EXPECT_THAT(url, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(url.status().message(), "https is not supported yet");
}

TEST(ParseBaseUrlTest, RejectsMalformedUrls) {
  for (const char* bad : {"", "ftp://host:21", "http://:8080", "http://host:0", "http://host:65536",
                          "http://host:80x", "http://host:", "http://user@host:80",
                          "http://host:80?x=1", "http://::1:80", "http://[::1"}) {
    EXPECT_THAT(ParseBaseUrl(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(UrlEncodeTest, EncodesAllButUnreserved) {
  EXPECT_EQ(UrlEncode("ocr[0]"), "ocr%5B0%5D");
  EXPECT_EQ(UrlEncode("a b/c=d&e"), "a%20b%2Fc%3Dd%26e");
  EXPECT_EQ(UrlEncode("Az09-._~"), "Az09-._~");
}

TEST(HttpClientTest, SendsRequestAndReadsStatusAndBody) {
  FakeHttpServer server([](const RecordedRequest&) { return JsonResponse(201, R"({"id":"j1"})"); });
  Result<HttpClient> client = HttpClient::Create(server.url(), "s3cret");
  ASSERT_THAT(client, IsOk());

  Result<HttpResponse> response = client->Request(
      "POST", "/api/v1/jobs?namespace=team", "kind: Job\n", "application/yaml", {{"X-Extra", "1"}});
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->content_type, "application/json");
  EXPECT_EQ(response->body, R"({"id":"j1"})");

  std::vector<RecordedRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/api/v1/jobs?namespace=team");
  EXPECT_EQ(requests[0].body, "kind: Job\n");
  EXPECT_EQ(requests[0].headers["content-type"], "application/yaml");
  EXPECT_EQ(requests[0].headers["authorization"], "Bearer s3cret");
  EXPECT_EQ(requests[0].headers["x-extra"], "1");
  EXPECT_EQ(requests[0].headers["host"], "127.0.0.1:" + std::to_string(server.port()));
}

TEST(HttpClientTest, NoAuthorizationHeaderWithoutToken) {
  FakeHttpServer server([](const RecordedRequest&) { return JsonResponse(200, "{}"); });
  Result<HttpClient> client = HttpClient::Create(server.url());
  ASSERT_THAT(client, IsOk());
  ASSERT_THAT(client->Get("/api/v1/workers"), IsOk());
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].headers.count("authorization"), 0u);
}

TEST(HttpClientTest, PrefixOfBaseUrlIsPrependedToTargets) {
  FakeHttpServer server([](const RecordedRequest&) { return JsonResponse(200, "{}"); });
  Result<HttpClient> client = HttpClient::Create(server.url() + "/pg/");
  ASSERT_THAT(client, IsOk());
  ASSERT_THAT(client->Get("/api/v1/jobs"), IsOk());
  EXPECT_EQ(server.requests().at(0).target, "/pg/api/v1/jobs");
}

TEST(HttpClientTest, ErrorStatusIsAnAnswerNotAnError) {
  FakeHttpServer server([](const RecordedRequest&) {
    return JsonResponse(404, R"({"error":{"code":"NOT_FOUND","message":"no job x"}})");
  });
  Result<HttpClient> client = HttpClient::Create(server.url());
  ASSERT_THAT(client, IsOk());
  Result<HttpResponse> response = client->Get("/api/v1/jobs/x");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 404);
  EXPECT_THAT(response->body, HasSubstr("no job x"));
}

constexpr char kChunkedLog[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Transfer-Encoding: chunked\r\n\r\n"
    "6\r\nline1\n\r\n"
    "6\r\nline2\n\r\n"
    "b\r\nfinal line\n\r\n"
    "0\r\n\r\n";

TEST(HttpClientTest, DecodesChunkedBody) {
  FakeHttpServer server([](const RecordedRequest&) { return std::string(kChunkedLog); });
  Result<HttpClient> client = HttpClient::Create(server.url());
  ASSERT_THAT(client, IsOk());
  Result<HttpResponse> response = client->Get("/logs");
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(response->body, "line1\nline2\nfinal line\n");
}

TEST(HttpClientTest, StreamGetHandsOverTheDecodedBody) {
  FakeHttpServer server([](const RecordedRequest&) { return std::string(kChunkedLog); });
  Result<HttpClient> client = HttpClient::Create(server.url());
  ASSERT_THAT(client, IsOk());
  std::string streamed;
  int calls = 0;
  Result<HttpResponse> response = client->StreamGet("/logs", [&](std::string_view chunk) {
    streamed += chunk;
    ++calls;
    return true;
  });
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "");
  EXPECT_EQ(streamed, "line1\nline2\nfinal line\n");
  EXPECT_GE(calls, 1);
}

TEST(HttpClientTest, StreamGetStopsWhenTheCallbackSaysSo) {
  // Far more than one read buffer, so the stream must be cut short to stop.
  std::string big(1 << 20, 'x');
  FakeHttpServer server(
      [&big](const RecordedRequest&) { return CannedResponse(200, "text/plain", big); });
  Result<HttpClient> client = HttpClient::Create(server.url());
  ASSERT_THAT(client, IsOk());
  size_t received = 0;
  int calls = 0;
  Result<HttpResponse> response = client->StreamGet("/logs", [&](std::string_view chunk) {
    received += chunk.size();
    ++calls;
    return false;
  });
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(calls, 1);
  EXPECT_LT(received, big.size());
}

TEST(HttpClientTest, StreamGetKeepsAnErrorBodyInsteadOfStreamingIt) {
  FakeHttpServer server([](const RecordedRequest&) {
    return JsonResponse(404, R"({"error":{"code":"NOT_FOUND","message":"no task"}})");
  });
  Result<HttpClient> client = HttpClient::Create(server.url());
  ASSERT_THAT(client, IsOk());
  bool called = false;
  Result<HttpResponse> response = client->StreamGet("/logs", [&](std::string_view) {
    called = true;
    return true;
  });
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 404);
  EXPECT_THAT(response->body, HasSubstr("no task"));
  EXPECT_FALSE(called);
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailableNamingTheServer) {
  std::string url = "http://127.0.0.1:" + std::to_string(testing::UnusedPort());
  Result<HttpClient> client = HttpClient::Create(url);
  ASSERT_THAT(client, IsOk());
  Result<HttpResponse> response = client->Get("/api/v1/jobs");
  EXPECT_THAT(response, StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(response.status().message(), "cannot reach " + url + ": Connection refused");
}

TEST(HttpClientTest, SilentServerTimesOutAsUnavailable) {
  FakeHttpServer server([](const RecordedRequest&) { return std::nullopt; });
  Result<HttpClient> client = HttpClient::Create(server.url());
  ASSERT_THAT(client, IsOk());
  Result<HttpResponse> response = client->Request("GET", "/api/v1/jobs", {}, {}, {}, Millis(200));
  EXPECT_THAT(response, StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(response.status().message(), "no answer from " + server.url() + " within 200ms");
}

TEST(HttpClientTest, ConnectionClosedWithoutAnswerIsUnavailable) {
  FakeHttpServer server([](const RecordedRequest&) { return std::string(); });
  Result<HttpClient> client = HttpClient::Create(server.url());
  ASSERT_THAT(client, IsOk());
  Result<HttpResponse> response = client->Get("/api/v1/jobs");
  EXPECT_THAT(response, StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(response.status().message(), HasSubstr(server.url()));
}

TEST(HttpClientTest, RejectsBadMethodAndTarget) {
  Result<HttpClient> client = HttpClient::Create("http://127.0.0.1:1");
  ASSERT_THAT(client, IsOk());
  EXPECT_THAT(client->Request("FROB", "/x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(client->Request("GET", "x"), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace pipegrid::cli
