// A small synchronous HTTP/1.1 client for the pipegrid REST API (DESIGN §5).
//
// One TCP connection per call (`Connection: close`): the CLI makes a handful of
// requests per run, so keep-alive would buy nothing and cost reconnect logic.
// Transport failures (DNS, connection refused, timeouts, a connection dropped
// mid-answer, an unparsable answer) are Unavailable with a message naming the
// server; any HTTP answer, 4xx and 5xx included, is a successful Result: the
// caller decides what a status means.
//
// Thread-safety: HttpClient is immutable after Create(); each call runs its own
// I/O context, so concurrent calls on one client are safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace pipegrid::cli {

// "http://host:port[/prefix]". A missing scheme means http; a missing port 80.
struct BaseUrl {
  std::string host;  // without brackets for IPv6 literals
  uint16_t port = 80;
  std::string prefix;  // path prefix without trailing '/', e.g. "" or "/pipegrid"

  // "http://host:port" (+ prefix): how messages name the server.
  std::string ToString() const;
  // The Host header value: "host:port", IPv6 literals bracketed.
  std::string HostHeader() const;
};

// InvalidArgument for anything but plain http ("https is not supported yet"),
// an empty host, a bad port, user info, a query or a fragment.
[[nodiscard]] Result<BaseUrl> ParseBaseUrl(std::string_view url);

// Percent-encodes everything but RFC 3986 unreserved characters: for one path
// segment or query value (task names like "ocr[0]", label selectors "k=v").
std::string UrlEncode(std::string_view text);

struct HttpResponse {
  int status = 0;
  std::string content_type;  // as sent, parameters included; empty when absent
  std::string body;
  std::string www_authenticate;  // a 401's challenge ("Bearer realm=...")
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Receives each piece of a streamed body as it arrives (chunked framing
// already removed). Returning false stops the stream early, without error.
using ChunkCallback = std::function<bool(std::string_view chunk)>;

inline constexpr Millis kDefaultHttpTimeout{30'000};

class HttpClient {
 public:
  // `token`, when not empty, is sent as `Authorization: Bearer <token>`.
  [[nodiscard]] static Result<HttpClient> Create(std::string_view base_url, std::string token = {});

  const BaseUrl& base_url() const { return base_url_; }

  // Sends one request and reads the whole answer. `target` is the path and
  // query below the base URL ("/api/v1/jobs?limit=5"). `timeout` bounds each
  // phase (resolve, connect, send, receive) separately.
  [[nodiscard]] Result<HttpResponse> Request(std::string_view method, std::string_view target,
                                             std::string_view body = {},
                                             std::string_view content_type = {},
                                             const HttpHeaders& extra_headers = {},
                                             Millis timeout = kDefaultHttpTimeout) const;

  [[nodiscard]] Result<HttpResponse> Get(std::string_view target) const {
    return Request("GET", target);
  }

  // GET whose 2xx body is handed to `on_chunk` piece by piece instead of being
  // kept (the returned body is then empty): for `logs -f`, which may last as
  // long as the task runs. A non-2xx body is short and kept in the response so
  // the caller can report the server's error. `idle_timeout` bounds connecting
  // and each wait for more data; zero means wait forever once connected.
  [[nodiscard]] Result<HttpResponse> StreamGet(std::string_view target,
                                               const ChunkCallback& on_chunk,
                                               const HttpHeaders& extra_headers = {},
                                               Millis idle_timeout = kDefaultHttpTimeout) const;

 private:
  HttpClient(BaseUrl base_url, std::string token)
      : base_url_(std::move(base_url)), token_(std::move(token)) {}

  BaseUrl base_url_;
  std::string token_;
};

}  // namespace pipegrid::cli
