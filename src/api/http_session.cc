#include "api/http_session.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <exception>
#include <iterator>

#include "api/errors.h"

namespace pipegrid::api::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

// How long a closing connection may keep sending before we drop it.
constexpr Millis kMaxLinger{2'000};

bool IsParseError(const beast::error_code& ec) {
  // Beast's HTTP category holds both parse errors and "the stream ended"
  // conditions; the latter are the client going away, not a bad request.
  static const auto& http_category =
      beast::http::make_error_code(http::error::bad_method).category();
  return ec.category() == http_category && ec != http::error::end_of_stream &&
         ec != http::error::partial_message;
}

}  // namespace

void ReplyGate::IfOpen(const std::function<void(const asio::any_io_executor&)>& fn) {
  std::lock_guard lock(mu_);
  if (open_) fn(executor_);
}

void ReplyGate::Close() {
  std::lock_guard lock(mu_);
  open_ = false;
}

void SessionRegistry::Add(std::shared_ptr<Session> session) {
  std::lock_guard lock(mu_);
  Session* key = session.get();
  live_.emplace(key, std::move(session));
}

void SessionRegistry::Remove(Session* session) {
  std::shared_ptr<Session> doomed;  // released after the lock: may be the last owner
  std::lock_guard lock(mu_);
  auto it = live_.find(session);
  if (it == live_.end()) return;
  doomed = std::move(it->second);
  live_.erase(it);
}

std::vector<std::shared_ptr<Session>> SessionRegistry::TakeAll() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Session>> out;
  for (auto& [key, session] : live_) out.push_back(std::move(session));
  live_.clear();
  return out;
}

Session::Session(asio::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared)
    : stream_(std::move(socket)),
      shared_(std::move(shared)),
      stream_timer_(stream_.get_executor()) {}

void Session::Start() {
  shared_->sessions.Add(shared_from_this());
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
}

void Session::CloseNow() {
  beast::error_code ec;
  stream_.socket().close(ec);
}

void Session::ReadHeader() {
  have_request_ = false;
  route_ = kMalformedRoute;
  parser_.emplace();
  parser_->header_limit(shared_->options.max_header_bytes);
  parser_->body_limit(static_cast<uint64_t>(shared_->options.max_body_bytes));
  stream_.expires_after(shared_->options.idle_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(beast::error_code ec) {
  if (ec) return OnReadError(ec);
  if (parser_->is_done()) return Dispatch();
  auto expect = parser_->get()[http::field::expect];
  if (beast::iequals(expect, "100-continue")) {
    // The client waits for this before sending the body. Over-limit bodies
    // were refused by the parser already, from Content-Length.
    continue_ = {http::status::continue_, parser_->get().version()};
    http::async_write(stream_, continue_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  stream_.expires_after(shared_->options.idle_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void Session::OnBody(beast::error_code ec) {
  if (ec) return OnReadError(ec);
  Dispatch();
}

void Session::OnReadError(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    return FailAndClose(http::status::payload_too_large,
                        ResourceExhausted(fmt::format("the request body exceeds {} bytes",
                                                      shared_->options.max_body_bytes)));
  }
  if (ec == http::error::header_limit) {
    return FailAndClose(http::status::request_header_fields_too_large,
                        ResourceExhausted(fmt::format("the request header exceeds {} bytes",
                                                      shared_->options.max_header_bytes)));
  }
  if (IsParseError(ec)) {
    return FailAndClose(http::status::bad_request,
                        InvalidArgument("malformed HTTP request: " + ec.message()));
  }
  // end_of_stream between requests, a timeout, a reset: nobody to answer.
  Close();
}

void Session::Dispatch() {
  request_ = parser_->release();
  parser_.reset();
  have_request_ = true;
  // A handler may take as long as the scheduler needs: no read is pending,
  // so nothing here can be pinned by the client meanwhile.
  stream_.expires_never();

  std::string_view target(request_.target().data(), request_.target().size());
  size_t qmark = target.find('?');
  std::string path(target.substr(0, qmark));
  std::string_view query =
      qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);
  Router::Match match = shared_->router.Find(request_.method(), path);
  switch (match.outcome) {
    case Router::Outcome::kFound:
      route_ = match.pattern;
      return Invoke(*match.handler, path, std::move(match.params), query);
    case Router::Outcome::kBadPath:
      return Write(ErrorResponse(InvalidArgument(match.error)), !request_.keep_alive());
    case Router::Outcome::kNotFound:
      route_ = kUnmatchedRoute;
      return Write(ErrorResponse(NotFound(fmt::format(
                       "no route for {} {}", std::string(request_.method_string()), path))),
                   !request_.keep_alive());
    case Router::Outcome::kMethodNotAllowed: {
      route_ = kUnmatchedRoute;
      Response res = ErrorResponse(
          http::status::method_not_allowed,
          InvalidArgument(fmt::format("{} is not allowed on {}; allowed: {}",
                                      std::string(request_.method_string()), path, match.allow)));
      res.set(http::field::allow, match.allow);
      return Write(std::move(res), !request_.keep_alive());
    }
  }
}

void Session::Invoke(const Handler& handler, const std::string& path, PathParams params,
                     std::string_view query) {
  Responder responder = MakeResponder();
  Result<QueryParams> parsed = ParseQuery(query);
  if (!parsed.ok()) return responder.Send(ErrorResponse(parsed.status()));
  Request request(request_, path, std::move(params), std::move(parsed).value());
  // Last line of defence: a third-party throw that escaped a handler becomes
  // a 500 for this request instead of ending the server.
  try {
    handler(request, responder);
  } catch (const std::exception& e) {
    responder.Send(ErrorResponse(Internal(std::string("unhandled error: ") + e.what())));
  }
}

Responder Session::MakeResponder() {
  std::weak_ptr<Session> weak = weak_from_this();
  std::shared_ptr<ReplyGate> gate = shared_->gate;
  auto deliver = [gate, weak](Response response) {
    gate->IfOpen([&](const asio::any_io_executor&) {
      // The registry owns the session while it waits; weak, so a Responder
      // kept by the scheduler never owns a socket past the server's life.
      if (std::shared_ptr<Session> self = weak.lock()) {
        asio::post(self->stream_.get_executor(), [self, r = std::move(response)]() mutable {
          self->OnHandlerResponse(std::move(r));
        });
      }
    });
  };
  auto post = [gate](std::function<void()> fn) {
    gate->IfOpen([&](const asio::any_io_executor& ex) { asio::post(ex, std::move(fn)); });
  };
  auto stream = [gate, weak](Response head, std::unique_ptr<logs::Stream> body,
                             StreamOptions options) {
    gate->IfOpen([&](const asio::any_io_executor&) {
      if (std::shared_ptr<Session> self = weak.lock()) {
        asio::post(self->stream_.get_executor(), [self, h = std::move(head), b = std::move(body),
                                                  o = std::move(options)]() mutable {
          self->OnHandlerStream(std::move(h), std::move(b), std::move(o));
        });
      }
    });
  };
  return Responder(std::move(deliver), std::move(post), std::move(stream));
}

void Session::OnHandlerResponse(Response response) {
  Write(std::move(response), !request_.keep_alive());
}

void Session::OnHandlerStream(Response head, std::unique_ptr<logs::Stream> body,
                              StreamOptions options) {
  shared_->stats->Add(route_, static_cast<int>(head.result_int()));
  body_ = std::move(body);
  stream_options_ = std::move(options);
  auto& h = stream_head_.emplace(std::move(head.base()));
  h.version(have_request_ ? request_.version() : 11);
  h.set(http::field::server, "pipegrid");
  h.set(http::field::date, HttpDate(shared_->clock.Wall()));
  h.set(http::field::cache_control, "no-cache");
  h.keep_alive(false);
  // A stream of known length (a file download) keeps its Content-Length;
  // otherwise HTTP/1.1 frames it in chunks.
  const bool sized = h.has_content_length();
  chunked_ = !sized && h.version() >= 11;
  if (!sized) h.chunked(chunked_);
  head_writer_.emplace(h);
  stream_.expires_after(shared_->options.idle_timeout);
  http::async_write_header(
      stream_, *head_writer_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnStreamHeader(ec); });
}

void Session::OnStreamHeader(beast::error_code ec) {
  if (ec) return EndStream();
  WatchForHangUp();
  // wake() may come from any thread, often (every write to a followed file):
  // at most one is queued on the strand at a time. It owns no Session, so a
  // feed calling it can never be where a connection is destroyed.
  auto queued = std::make_shared<std::atomic<bool>>(false);
  std::weak_ptr<Session> weak = weak_from_this();
  std::shared_ptr<ReplyGate> gate = shared_->gate;
  asio::any_io_executor strand = stream_.get_executor();
  body_->Start([gate, strand, weak, queued] {
    if (queued->exchange(true)) return;
    gate->IfOpen([&](const asio::any_io_executor&) {
      asio::post(strand, [weak, queued] {
        queued->store(false);
        if (std::shared_ptr<Session> self = weak.lock()) self->OnWake();
      });
    });
  });
  ArmHeartbeat();
  Pump();
}

void Session::WatchForHangUp() {
  // A client says nothing during a stream; a read completing means it left
  // (or broke the protocol). Raw socket read: no idle deadline applies to it.
  stream_.socket().async_read_some(asio::buffer(drain_buffer_),
                                   [self = shared_from_this()](beast::error_code ec, size_t) {
                                     if (ec) return self->EndStream();
                                     self->WatchForHangUp();
                                   });
}

void Session::OnWake() {
  if (!writing_) Pump();
}

void Session::Pump() {
  if (!body_ || writing_ || ending_) return;
  logs::Piece piece = body_->Next();
  switch (piece.kind) {
    case logs::Piece::Kind::kData:
      return WriteChunk(std::move(piece.data), /*last=*/false);
    case logs::Piece::Kind::kWait:
      return;  // until wake() or a heartbeat
    case logs::Piece::Kind::kEnd:
      return WriteChunk(std::move(piece.data), /*last=*/true);
  }
}

void Session::WriteChunk(std::string data, bool last) {
  chunk_.clear();
  if (!chunked_) {
    chunk_ = std::move(data);
  } else if (!data.empty()) {
    fmt::format_to(std::back_inserter(chunk_), "{:x}\r\n", data.size());
    chunk_.append(data).append("\r\n");
  }
  if (last && chunked_) chunk_.append("0\r\n\r\n");
  writing_ = true;
  ending_ = last;
  stream_.expires_after(shared_->options.idle_timeout);
  asio::async_write(stream_, asio::buffer(chunk_),
                    [self = shared_from_this(), last](beast::error_code ec, size_t) {
                      self->OnChunkWritten(last, ec);
                    });
}

void Session::OnChunkWritten(bool last, beast::error_code ec) {
  writing_ = false;
  if (ec) return EndStream();
  if (!last) {
    ArmHeartbeat();
    return Pump();
  }
  // Done: release the body (and its subscriptions) now, then let the client
  // close first, within a bound, so the end of the body is not lost to a reset.
  body_.reset();
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream_timer_.expires_after(std::min(shared_->options.idle_timeout, kMaxLinger));
  stream_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
    if (!wait_ec) self->Close();
  });
}

void Session::ArmHeartbeat() {
  if (stream_options_.heartbeat <= Millis(0) || stream_options_.heartbeat_text.empty()) return;
  // Re-armed after every write, so it fires only after a quiet interval.
  stream_timer_.expires_after(stream_options_.heartbeat);
  stream_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    // A write in progress re-arms it when done.
    if (ec || !self->body_ || self->writing_ || self->ending_) return;
    self->WriteChunk(self->stream_options_.heartbeat_text, /*last=*/false);
  });
}

void Session::EndStream() {
  body_.reset();
  stream_timer_.cancel();
  Close();
}

void Session::Write(Response response, bool close) {
  response_ = std::move(response);
  response_.version(have_request_ ? request_.version() : 11);
  response_.set(http::field::server, "pipegrid");
  response_.set(http::field::date, HttpDate(shared_->clock.Wall()));
  response_.keep_alive(!close);
  response_.prepare_payload();
  shared_->stats->Add(route_, static_cast<int>(response_.result_int()));
  stream_.expires_after(shared_->options.idle_timeout);
  http::async_write(stream_, response_,
                    [self = shared_from_this(), close](beast::error_code ec, size_t) {
                      self->OnWrite(close, ec);
                    });
}

void Session::OnWrite(bool close, beast::error_code ec) {
  if (ec) return Close();
  if (close) return LingeringClose();
  ReadHeader();
}

void Session::FailAndClose(http::status status, const Status& error) {
  // The connection's framing is lost (or the body left unread): answer, close.
  Write(ErrorResponse(status, error), /*close=*/true);
}

void Session::LingeringClose() {
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) return Close();
  stream_.expires_after(std::min(shared_->options.idle_timeout, kMaxLinger));
  Drain();
}

void Session::Drain() {
  stream_.async_read_some(asio::buffer(drain_buffer_),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) return self->Close();
                            self->Drain();
                          });
}

void Session::Close() {
  beast::error_code ec;
  stream_.socket().close(ec);
  shared_->sessions.Remove(this);
}

}  // namespace pipegrid::api::internal
