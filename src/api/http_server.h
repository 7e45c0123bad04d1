// An HTTP/1.1 server (Boost.Beast, asynchronous) that serves a Router.
//
// Behaviour every route gets:
// - keep-alive; one request at a time per connection (no pipelining);
// - a header limit (431) and a body limit (413, answered from the header's
//   Content-Length before the body is read; "Expect: 100-continue" honoured);
// - an idle timeout on reads and writes, so a slow or silent client cannot pin
//   a connection; none while a handler is working on the answer;
// - malformed requests get a 400 JSON error, then the connection closes;
// - unknown routes 404, known paths with another method 405 + Allow, all as
//   JSON errors; Date and Server headers on every response;
// - every response is counted in RequestStats by route pattern and code.
//
// Threading: `threads` threads run one io_context; each connection runs on
// its own strand. Handlers run on those threads and must not block for long;
// they may answer later from any thread through their Responder.
// Start() and Stop() are called by the owner, never from a handler.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api/request_stats.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/status.h"

namespace pipegrid::api {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:0";  // "host:port"; port 0: ephemeral
  int64_t max_body_bytes = 4 << 20;
  uint32_t max_header_bytes = 16 << 10;
  // Socket I/O deadlines run on asio's steady timers, not the injected Clock:
  // they guard real sockets and no scheduling decision depends on them.
  Millis idle_timeout{60'000};
  int threads = 1;
};

namespace internal {
struct ServerShared;
}

class HttpServer {
 public:
  // Binds and starts serving. Unavailable when the address cannot be bound
  // ("cannot listen on 127.0.0.1:8080: Address already in use");
  // InvalidArgument for a malformed address or option.
  static Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options, Router router,
                                                   const Clock& clock,
                                                   std::shared_ptr<RequestStats> stats);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the ephemeral one when asked for port 0).
  uint16_t port() const { return port_; }

  // Stops accepting, closes every connection, joins the threads. Answers
  // that handlers send afterwards are dropped. Idempotent.
  void Stop();

 private:
  HttpServer(HttpServerOptions options, Router router, const Clock& clock,
             std::shared_ptr<RequestStats> stats);
  Status Listen();
  void DoAccept();
  void OnAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  // Declared first so it is destroyed last: sockets, timers and queued
  // handlers (which may own connections) all need it alive.
  boost::asio::io_context ioc_;
  std::shared_ptr<internal::ServerShared> shared_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace pipegrid::api
