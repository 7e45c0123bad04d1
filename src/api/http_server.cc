#include "api/http_server.h"

#include "common/thread_name.h"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/strand.hpp>

#include "api/http_session.h"
#include "api/listen_address.h"

namespace pipegrid::api {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// After a failed accept (out of file descriptors, most likely), wait before
// the next one instead of spinning on the same error.
constexpr Millis kAcceptRetryDelay{100};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options, Router router,
                                                      const Clock& clock,
                                                      std::shared_ptr<RequestStats> stats) {
  if (options.threads < 1) return InvalidArgument("the HTTP server needs at least one thread");
  if (options.max_body_bytes < 0) return InvalidArgument("max_body_bytes must not be negative");
  if (options.idle_timeout <= Millis(0)) return InvalidArgument("idle_timeout must be positive");
  PG_CHECK(stats != nullptr);
  std::unique_ptr<HttpServer> server(
      new HttpServer(std::move(options), std::move(router), clock, std::move(stats)));
  PG_RETURN_IF_ERROR(server->Listen());
  server->DoAccept();
  for (int i = 0; i < server->shared_->options.threads; ++i) {
    server->threads_.emplace_back([s = server.get()] {
      NameThisThread("pg-http");
      s->ioc_.run();
    });
  }
  return server;
}

HttpServer::HttpServer(HttpServerOptions options, Router router, const Clock& clock,
                       std::shared_ptr<RequestStats> stats)
    : ioc_(options.threads),
      shared_(std::make_shared<internal::ServerShared>(std::move(options), std::move(router), clock,
                                                       std::move(stats), ioc_.get_executor())),
      acceptor_(asio::make_strand(ioc_)),
      accept_retry_(acceptor_.get_executor()) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Listen() {
  const std::string& listen = shared_->options.listen;
  PG_ASSIGN_OR_RETURN(ListenAddress address, ParseListenAddress(listen));
  auto fail = [&](const boost::system::error_code& ec) {
    return Unavailable("cannot listen on " + listen + ": " + ec.message());
  };

  boost::system::error_code ec;
  tcp::endpoint endpoint;
  if (address.host.empty()) {
    endpoint = tcp::endpoint(asio::ip::address_v4::any(), address.port);
  } else if (asio::ip::address ip = asio::ip::make_address(address.host, ec); !ec) {
    endpoint = tcp::endpoint(ip, address.port);
  } else {
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(address.host, std::to_string(address.port), ec);
    if (ec) return fail(ec);
    if (results.empty()) return Unavailable("cannot listen on " + listen + ": no address");
    endpoint = results.begin()->endpoint();
  }

  if (acceptor_.open(endpoint.protocol(), ec); ec) return fail(ec);
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail(ec);
  if (acceptor_.bind(endpoint, ec); ec) return fail(ec);
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) return fail(ec);
  tcp::endpoint bound = acceptor_.local_endpoint(ec);
  if (ec) return fail(ec);
  port_ = bound.port();
  return Status::Ok();
}

void HttpServer::DoAccept() {
  // Each connection gets its own strand, so with several threads a
  // connection's handlers still never run concurrently.
  acceptor_.async_accept(asio::make_strand(ioc_),
                         [this](boost::system::error_code ec, tcp::socket socket) {
                           OnAccept(ec, std::move(socket));
                         });
}

void HttpServer::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted) return;  // Stop()
  if (ec) {
    spdlog::warn("http accept failed: {}", ec.message());
    accept_retry_.expires_after(kAcceptRetryDelay);
    accept_retry_.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec) DoAccept();
    });
    return;
  }
  std::make_shared<internal::Session>(std::move(socket), shared_)->Start();
  DoAccept();
}

void HttpServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  // First the gate: from here on no other thread posts into the io_context,
  // so after the join this thread is the only one touching it.
  shared_->gate->Close();
  ioc_.stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  boost::system::error_code ec;
  acceptor_.close(ec);
  accept_retry_.cancel();
  for (const auto& session : shared_->sessions.TakeAll()) session->CloseNow();
  // Handlers still queued in the stopped io_context own their connections;
  // they are destroyed, never run, with the io_context.
}

}  // namespace pipegrid::api
