// A tiny HTTP server for client tests: listens on 127.0.0.1:0 in its own
// thread and answers each request with whatever the test's handler returns,
// as raw bytes, so tests control framing (Content-Length, chunked) exactly.
// One request per connection; the server closes after answering.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pipegrid::cli::testing {

struct RecordedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// Raw response bytes, or nullopt to leave the connection open unanswered
// (to test timeouts) until the server is destroyed.
using Handler = std::function<std::optional<std::string>(const RecordedRequest&)>;

// "HTTP/1.1 <status> X\r\nContent-Type: ...\r\nContent-Length: n\r\n\r\n<body>".
std::string CannedResponse(int status, const std::string& content_type, const std::string& body);
// A JSON response.
std::string JsonResponse(int status, const std::string& json);

class FakeHttpServer {
 public:
  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();  // stops the thread and closes every connection
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Every request received so far, in order. Thread-safe.
  std::vector<RecordedRequest> requests() const;

 private:
  void Accept();
  void Serve(boost::asio::ip::tcp::socket socket);

  Handler handler_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> held_;  // io thread only
  mutable std::mutex mu_;
  std::vector<RecordedRequest> requests_;  // guarded by mu_
  std::thread thread_;
};

// A port on 127.0.0.1 that nothing listens on (bound, then released).
uint16_t UnusedPort();

}  // namespace pipegrid::cli::testing
