// A tiny HTTP server on 127.0.0.1 for tests of clients that push to one (the
// InfluxDB push): it records each request and answers with a status the test
// chooses. One thread, one connection at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace pipegrid::api::testing {

class RecordingServer {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  explicit RecordingServer(boost::beast::http::status answer) : answer_(answer), acceptor_(ioc_) {
    using boost::asio::ip::tcp;
    tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~RecordingServer() {
    ioc_.stop();
    thread_.join();
  }

  uint16_t port() const { return port_; }

  // Waits for the n-th request (1-based) and returns a copy of it.
  Request WaitRequest(size_t n) {
    std::unique_lock lock(mu_);
    bool ok = cv_.wait_for(lock, std::chrono::seconds(10), [&] { return requests_.size() >= n; });
    EXPECT_TRUE(ok) << "request " << n << " did not come";
    return ok ? requests_[n - 1] : Request{};
  }

 private:
  void Accept() {
    acceptor_.async_accept(
        [this](boost::system::error_code ec, boost::asio::ip::tcp::socket socket) {
          if (ec) return;
          Serve(std::move(socket));
          Accept();
        });
  }
  // Blocking on the server's own thread: a test's client is quick.
  void Serve(boost::asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    Request req;
    boost::system::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec) return;
    http::response<http::empty_body> res{answer_, 11};
    res.keep_alive(false);
    res.prepare_payload();
    http::write(socket, res, ec);
    {
      std::lock_guard lock(mu_);
      requests_.push_back(std::move(req));
    }
    cv_.notify_all();
  }

  const boost::beast::http::status answer_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;  // guarded by mu_
};

}  // namespace pipegrid::api::testing
