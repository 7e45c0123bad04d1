// A blocking HTTP/1.1 client over a real socket, for tests of the server.
// Every read has a receive timeout as a safety net, so a server bug fails the
// test instead of hanging it; tests never wait on time otherwise.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace pipegrid::api::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::asio::ip::tcp;

using ClientResponse = http::response<http::string_body>;

class TestConnection {
 public:
  explicit TestConnection(uint16_t port) : socket_(ioc_) {
    boost::system::error_code ec;
    socket_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
    EXPECT_FALSE(ec) << "connect: " << ec.message();
    timeval tv{10, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  void SendRaw(std::string_view bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
    EXPECT_FALSE(ec) << "write: " << ec.message();
  }

  void Send(http::verb method, const std::string& target, const std::string& body = "",
            const std::string& content_type = "") {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    boost::system::error_code ec;
    http::write(socket_, req, ec);
    EXPECT_FALSE(ec) << "write: " << ec.message();
  }

  // Reads one response; on error the response is empty and `error` says why.
  ClientResponse Read(boost::system::error_code* error = nullptr) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    boost::system::error_code ec;
    while (!parser.is_done()) {
      http::read_some(socket_, buffer_, parser, ec);
      // With SO_RCVTIMEO set, Linux fails a blocked recv with EINTR when the
      // process is stopped and continued (signal(7)), with nothing read.
      if (ec == boost::asio::error::interrupted) continue;
      if (ec) break;
    }
    ClientResponse res = ec ? ClientResponse{} : parser.release();
    if (error != nullptr) {
      *error = ec;
    } else {
      EXPECT_FALSE(ec) << "read: " << ec.message();
    }
    return res;
  }

  ClientResponse Call(http::verb method, const std::string& target, const std::string& body = "",
                      const std::string& content_type = "") {
    Send(method, target, body, content_type);
    return Read();
  }

  // True when the server has closed the connection: the next read sees EOF
  // (or a reset) rather than data or the receive timeout.
  bool ClosedByServer() {
    if (buffer_.size() > 0) return false;
    char c;
    boost::system::error_code ec;
    socket_.read_some(boost::asio::buffer(&c, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }

 private:
  boost::asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

inline ClientResponse Get(uint16_t port, const std::string& target) {
  TestConnection c(port);
  return c.Call(http::verb::get, target);
}

inline nlohmann::json Json(const ClientResponse& res) {
  return nlohmann::json::parse(res.body(), nullptr, /*allow_exceptions=*/false);
}

inline std::string ErrorCode(const ClientResponse& res) {
  nlohmann::json body = Json(res);
  if (!body.is_object() || !body.contains("error")) return "<no error body>";
  return body["error"].value("code", "<no code>");
}

}  // namespace pipegrid::api::testing
