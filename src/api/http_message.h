// The request and response types the API handlers see, and Responder: the
// handle a handler uses to answer, possibly later and from another thread.
//
// Handlers are asynchronous because commands go through the scheduler, which
// answers on its own loop thread. A handler therefore gets a Responder it can
// copy into callbacks; the Responder hops back to the connection's executor
// before anything touches the socket or does blocking I/O.
#pragma once

#include <atomic>
#include <boost/beast/http.hpp>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/principal.h"
#include "common/clock.h"
#include "common/status.h"
#include "logs/stream.h"

namespace pipegrid::api {

namespace http = boost::beast::http;

using BeastRequest = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Query parameters in the order they appeared; a name may repeat.
using QueryParams = std::vector<std::pair<std::string, std::string>>;
using PathParams = std::map<std::string, std::string, std::less<>>;

// One parsed request as a handler sees it. Valid only for the duration of the
// handler call: copy what an asynchronous continuation needs.
class Request {
 public:
  Request(const BeastRequest& raw, std::string path, PathParams params, QueryParams query)
      : raw_(raw), path_(std::move(path)), params_(std::move(params)), query_(std::move(query)) {}

  http::verb method() const { return raw_.method(); }
  // The path without the query string, still percent-encoded.
  const std::string& path() const { return path_; }
  const std::string& body() const { return raw_.body(); }
  std::string_view Header(http::field field) const;
  // For headers Beast has no enum for ("Last-Event-ID"); case-insensitive.
  std::string_view Header(std::string_view name) const;
  // Whether the client accepts `media_type` ("text/event-stream"): a plain
  // substring test of the Accept header, which is what SSE clients send.
  bool Accepts(std::string_view media_type) const;

  // A `{name}` segment of the route pattern, percent-decoded. The router
  // guarantees every parameter of the matched pattern is present.
  const std::string& Param(std::string_view name) const;
  // The first value of a query parameter, percent-decoded.
  std::optional<std::string> Query(std::string_view name) const;
  // Every value of a repeated query parameter, in order.
  std::vector<std::string> QueryAll(std::string_view name) const;
  // A yes/no parameter: "true"/"1" or "false"/"0"; absent is false.
  // InvalidArgument (field = the name) for anything else.
  Result<bool> QueryFlag(std::string_view name) const;

  // Who the request acts for, once its token is verified (api/auth_guard.h);
  // null when the server runs with --auth open, where everything is allowed.
  const auth::Principal* principal() const { return principal_.get(); }
  // This request, acting for `principal`.
  Request WithPrincipal(std::shared_ptr<const auth::Principal> principal) const {
    Request out = *this;
    out.principal_ = std::move(principal);
    return out;
  }

 private:
  const BeastRequest& raw_;
  std::string path_;
  PathParams params_;
  QueryParams query_;
  std::shared_ptr<const auth::Principal> principal_;
};

// How a streamed answer behaves on the wire.
struct StreamOptions {
  // Written when nothing else was for this long (SSE: kSseKeepalive), so
  // proxies and clients see a live connection; zero: never.
  Millis heartbeat{0};
  std::string heartbeat_text;
};

// Answers one request. Copyable (copies share one answer) and thread-safe.
//
// The first Send() or Stream() wins; later ones are ignored. If every copy is
// destroyed without an answer the client gets a 500, so a handler that loses
// a callback cannot leave a connection hanging. After the server has stopped,
// Send(), Stream() and Post() do nothing.
class Responder {
 public:
  // Delivers the response to the connection; must be thread-safe.
  using Deliver = std::function<void(Response)>;
  // Runs a function on the server's I/O executor, never inline.
  using Poster = std::function<void(std::function<void()>)>;
  // Starts a streamed answer on the connection; must be thread-safe.
  using Streamer = std::function<void(Response, std::unique_ptr<logs::Stream>, StreamOptions)>;

  // Without a Streamer, Stream() answers 500.
  Responder(Deliver deliver, Poster post, Streamer stream = nullptr);

  void Send(Response response) const;
  // Answers with `head` (status and headers; its body is ignored), then the
  // pieces `body` yields, with chunked transfer encoding, until the body ends
  // or the client goes away. The connection closes after a stream. Writes are
  // bounded by the idle timeout; waiting for the body is not.
  void Stream(Response head, std::unique_ptr<logs::Stream> body, StreamOptions options = {}) const;
  // Runs `fn` on the server's I/O threads. Scheduler callbacks use it to leave
  // the scheduler's loop thread before reading the store or the disk.
  void Post(std::function<void()> fn) const;

  // A responder answering through this one that first calls `on_answer` (on
  // the answering thread) when it is answered: for timing handlers.
  Responder Observed(std::function<void()> on_answer) const;

 private:
  struct State {
    Deliver deliver;
    Poster post;
    Streamer stream;
    std::atomic<bool> sent{false};
    ~State();
  };
  std::shared_ptr<State> state_;
};

// Builders. Each sets Content-Type; the server sets Content-Length,
// Connection, Date and Server when it writes the response.
Response JsonResponse(http::status status, const nlohmann::json& body);
Response TextResponse(http::status status, std::string body,
                      std::string_view content_type = "text/plain; charset=utf-8");
Response EmptyResponse(http::status status);

// The JSON text of a value. Strings from the store may hold invalid UTF-8
// (process output in reasons): they are replaced, never thrown about.
std::string DumpJson(const nlohmann::json& value);

// An IMF-fixdate for the Date header: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(WallTime t);

}  // namespace pipegrid::api
