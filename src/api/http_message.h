// The request and response types the API handlers see, and Responder: the
// handle a handler uses to answer, possibly later and from another thread.
//
// Handlers are asynchronous because commands go through the scheduler, which
// answers on its own loop thread. A handler therefore gets a Responder it can
// copy into callbacks; the Responder hops back to the connection's executor
// before anything touches the socket or does blocking I/O.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "common/clock.h"

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

  // A `{name}` segment of the route pattern, percent-decoded. The router
  // guarantees every parameter of the matched pattern is present.
  const std::string& Param(std::string_view name) const;
  // The first value of a query parameter, percent-decoded.
  std::optional<std::string> Query(std::string_view name) const;
  // Every value of a repeated query parameter, in order.
  std::vector<std::string> QueryAll(std::string_view name) const;

 private:
  const BeastRequest& raw_;
  std::string path_;
  PathParams params_;
  QueryParams query_;
};

// Answers one request. Copyable (copies share one answer) and thread-safe.
//
// The first Send() wins; later ones are ignored. If every copy is destroyed
// without a Send() the client gets a 500, so a handler that loses a callback
// cannot leave a connection hanging. After the server has stopped, Send() and
// Post() do nothing.
class Responder {
 public:
  // Delivers the response to the connection; must be thread-safe.
  using Deliver = std::function<void(Response)>;
  // Runs a function on the server's I/O executor, never inline.
  using Poster = std::function<void(std::function<void()>)>;

  Responder(Deliver deliver, Poster post);

  void Send(Response response) const;
  // Runs `fn` on the server's I/O threads. Scheduler callbacks use it to leave
  // the scheduler's loop thread before reading the store or the disk.
  void Post(std::function<void()> fn) const;

 private:
  struct State {
    Deliver deliver;
    Poster post;
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
