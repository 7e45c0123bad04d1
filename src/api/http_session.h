// Internal to the HTTP server: one connection's read/dispatch/write cycle and
// the state connections share with the server. Not for handlers.
#pragma once

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/http_server.h"
#include "logs/stream.h"

namespace pipegrid::api::internal {

// Lets other threads (the scheduler's) hand work to the I/O executor only
// while the server runs. Close() waits for a hand-off in progress, so once it
// returns no other thread touches the io_context or a connection. Thread-safe.
class ReplyGate {
 public:
  explicit ReplyGate(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  // Runs `fn(executor)` under the gate's lock if still open; `fn` must only
  // post (never block or run handlers inline).
  void IfOpen(const std::function<void(const boost::asio::any_io_executor&)>& fn);
  void Close();

 private:
  std::mutex mu_;
  bool open_ = true;  // guarded by mu_
  boost::asio::any_io_executor executor_;
};

class Session;

// The live connections, owned here so that a connection waiting for a
// handler's answer (with no I/O pending) stays alive, and so Stop() can close
// them all. Thread-safe.
class SessionRegistry {
 public:
  void Add(std::shared_ptr<Session> session);
  void Remove(Session* session);
  // Empties the registry, handing the connections to the caller.
  std::vector<std::shared_ptr<Session>> TakeAll();

 private:
  std::mutex mu_;
  std::unordered_map<Session*, std::shared_ptr<Session>> live_;  // guarded by mu_
};

struct ServerShared {
  ServerShared(HttpServerOptions o, Router r, const Clock& c, std::shared_ptr<RequestStats> s,
               boost::asio::any_io_executor executor)
      : options(std::move(o)),
        router(std::move(r)),
        clock(c),
        stats(std::move(s)),
        gate(std::make_shared<ReplyGate>(std::move(executor))) {}

  const HttpServerOptions options;
  const Router router;
  const Clock& clock;
  const std::shared_ptr<RequestStats> stats;
  // Shared with Responders, which may outlive the server.
  const std::shared_ptr<ReplyGate> gate;
  SessionRegistry sessions;
};

// One connection. Runs on its own strand; every member function but Start()
// and CloseNow() runs there.
//
// A streamed answer (Responder::Stream) writes its header, then pulls pieces
// from its logs::Stream one write at a time: the next piece is asked for when
// the previous write is done, or when the stream's wake() says there is more.
// Meanwhile a read on the socket notices the client leaving, which ends the
// stream (and frees its subscriptions) at once. A stream closes the
// connection when it ends.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared);
  // Registers the session and starts reading requests.
  void Start();
  // Closes the socket at once. Only when no I/O thread runs (Stop()).
  void CloseNow();

 private:
  using ErrorCode = boost::beast::error_code;

  void ReadHeader();
  void OnHeader(ErrorCode ec);
  void ReadBody();
  void OnBody(ErrorCode ec);
  // Read failures: timeouts and resets close; parse errors answer, then close.
  void OnReadError(ErrorCode ec);
  void Dispatch();
  void Invoke(const Handler& handler, const std::string& path, PathParams params,
              std::string_view query);
  Responder MakeResponder();
  void OnHandlerResponse(Response response);
  // Streaming (see above).
  void OnHandlerStream(Response head, std::unique_ptr<logs::Stream> body, StreamOptions options);
  void OnStreamHeader(ErrorCode ec);
  void WatchForHangUp();
  void OnWake();
  // Writes the next piece if there is one and no write is in progress.
  void Pump();
  void WriteChunk(std::string data, bool last);
  void OnChunkWritten(bool last, ErrorCode ec);
  void ArmHeartbeat();
  void EndStream();
  // Answers and then either reads the next request or closes.
  void Write(Response response, bool close);
  void OnWrite(bool close, ErrorCode ec);
  void FailAndClose(boost::beast::http::status status, const Status& error);
  // Stops sending, then reads and discards what the client still sends until
  // it closes (bounded in time), so our last response is not lost to a reset.
  void LingeringClose();
  void Drain();
  void Close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<ServerShared> shared_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  BeastRequest request_;       // the request being answered
  bool have_request_ = false;  // request_ holds a parsed request
  std::string route_;          // its route label for RequestStats
  Response response_;          // kept alive while being written
  boost::beast::http::response<boost::beast::http::empty_body> continue_;
  std::array<char, 4096> drain_buffer_{};

  // The streamed answer, while there is one.
  std::unique_ptr<logs::Stream> body_;
  StreamOptions stream_options_;
  std::optional<boost::beast::http::response<boost::beast::http::empty_body>> stream_head_;
  std::optional<boost::beast::http::response_serializer<boost::beast::http::empty_body>>
      head_writer_;
  std::string chunk_;     // the chunk being written, framing included
  bool chunked_ = true;   // false for an HTTP/1.0 client: the close ends the body
  bool writing_ = false;  // a write of the stream is in progress
  bool ending_ = false;   // the last chunk is written or being written
  // Heartbeats while a stream waits; the linger deadline once it has ended.
  boost::asio::steady_timer stream_timer_;
};

}  // namespace pipegrid::api::internal
