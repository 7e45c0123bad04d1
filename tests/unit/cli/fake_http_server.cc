#include "unit/cli/fake_http_server.h"

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace pipegrid::cli::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string CannedResponse(int status, const std::string& content_type, const std::string& body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  if (!content_type.empty()) out += "Content-Type: " + content_type + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  return out + body;
}

std::string JsonResponse(int status, const std::string& json) {
  return CannedResponse(status, "application/json", json);
}

FakeHttpServer::FakeHttpServer(Handler handler)
    : handler_(std::move(handler)),
      acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  Accept();
  thread_ = std::thread([this] { ioc_.run(); });
}

FakeHttpServer::~FakeHttpServer() {
  ioc_.stop();
  thread_.join();
}

std::vector<RecordedRequest> FakeHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void FakeHttpServer::Accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    Serve(std::move(socket));
    Accept();
  });
}

void FakeHttpServer::Serve(tcp::socket socket) {
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  boost::system::error_code ec;
  http::read(socket, buffer, request, ec);
  if (ec) return;
  RecordedRequest recorded;
  recorded.method = std::string(request.method_string());
  recorded.target = std::string(request.target());
  for (const auto& field : request) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    recorded.headers[name] = std::string(field.value());
  }
  recorded.body = request.body();
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(recorded);
  }
  std::optional<std::string> response = handler_(recorded);
  if (!response) {
    held_.push_back(std::make_unique<tcp::socket>(std::move(socket)));
    return;
  }
  net::write(socket, net::buffer(*response), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
}

uint16_t UnusedPort() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace pipegrid::cli::testing
