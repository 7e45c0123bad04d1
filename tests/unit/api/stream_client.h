// A blocking client for streamed (chunked, SSE) responses over a real socket:
// it reads the body as it arrives, so a test can act between two pieces. A
// receive timeout on the socket is only a safety net against a server bug;
// the tests wait for data, never for time.
#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace pipegrid::api::testing {

class StreamClient {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // Sends GET `target` and reads the response head.
  StreamClient(uint16_t port, const std::string& target, const Headers& headers = {})
      : socket_(ioc_) {
    namespace http = boost::beast::http;
    boost::system::error_code ec;
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    EXPECT_FALSE(ec) << "connect: " << ec.message();
    timeval tv{10, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    http::write(socket_, req, ec);
    EXPECT_FALSE(ec) << "write: " << ec.message();
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
    do {
      http::read_header(socket_, buffer_, parser_, error_);
    } while (error_ == boost::asio::error::interrupted);  // see ReadSome()
    EXPECT_FALSE(error_) << "read header: " << error_.message();
  }

  const boost::beast::http::response<boost::beast::http::string_body>& response() const {
    return parser_.get();
  }
  const std::string& body() const { return parser_.get().body(); }
  // The response ended properly (for chunked: its last chunk arrived).
  bool done() const { return parser_.is_done(); }
  // Why reading stopped early, if it did.
  const boost::system::error_code& error() const { return error_; }

  // Reads until `pred(body so far)` holds; false if the response ended or
  // failed first.
  bool ReadUntil(const std::function<bool(const std::string&)>& pred) {
    while (!pred(body())) {
      if (done() || !ReadSome()) return false;
    }
    return true;
  }
  bool ReadUntilContains(const std::string& text) {
    return ReadUntil([&](const std::string& b) { return b.find(text) != std::string::npos; });
  }
  // Reads to the end of the response; true when it ended properly.
  bool ReadToEnd() {
    while (!done()) {
      if (!ReadSome()) return false;
    }
    return true;
  }
  void Close() {
    boost::system::error_code ignored;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  bool ReadSome() {
    if (error_) return false;
    do {
      boost::beast::http::read_some(socket_, buffer_, parser_, error_);
      // With SO_RCVTIMEO set, Linux fails a blocked recv with EINTR when the
      // process is stopped and continued (signal(7)), with nothing read.
    } while (error_ == boost::asio::error::interrupted);
    return !error_;
  }

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::response_parser<boost::beast::http::string_body> parser_;
  boost::system::error_code error_;
};

// One server-sent event as a client sees it.
struct SseMessage {
  std::string id;
  std::string event;
  std::string data;      // data lines joined with "\n"
  bool comment = false;  // a ":" line only (keepalive)
};

// Parses complete events from an SSE body (an unfinished last one is left out).
inline std::vector<SseMessage> ParseSse(const std::string& body) {
  std::vector<SseMessage> out;
  size_t start = 0;
  for (size_t end; (end = body.find("\n\n", start)) != std::string::npos; start = end + 2) {
    SseMessage m;
    bool has_data = false;
    std::string block = body.substr(start, end - start);
    size_t pos = 0;
    while (pos <= block.size()) {
      size_t nl = block.find('\n', pos);
      std::string line = block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? block.size() + 1 : nl + 1;
      if (line.rfind(':', 0) == 0) {
        m.comment = true;
      } else if (line.rfind("id: ", 0) == 0) {
        m.id = line.substr(4);
      } else if (line.rfind("event: ", 0) == 0) {
        m.event = line.substr(7);
      } else if (line.rfind("data: ", 0) == 0) {
        m.data += (has_data ? "\n" : "") + line.substr(6);
        has_data = true;
      }
    }
    if (has_data || !m.event.empty()) m.comment = false;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace pipegrid::api::testing
