#include "cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <charconv>
#include <limits>

#include "common/version.h"

namespace pipegrid::cli {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

// Responses are not limited in size: log bodies can reach --max-log-bytes
// (64Mi by default) and the server is trusted to bound what it sends.
constexpr uint64_t kNoBodyLimit = std::numeric_limits<uint64_t>::max();
// An error body is only kept to be shown to the user.
constexpr size_t kMaxErrorBody = 64 * 1024;

// "30s", "250ms": how timeouts appear in messages.
std::string FormatTimeout(Millis timeout) {
  if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + "s";
  return std::to_string(timeout.count()) + "ms";
}

bool IsUnreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

// Starts one asynchronous operation through `start` and runs the context
// until it completes. The tcp_stream deadline set before each call bounds it;
// only a followed stream (no idle timeout) may wait indefinitely, by request.
template <typename StartFn>
error_code Await(net::io_context& ioc, StartFn&& start) {
  error_code result = net::error::would_block;
  start([&result](error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

// One connection carrying one request/response exchange.
class Connection {
 public:
  explicit Connection(const BaseUrl& url) : url_(url), stream_(ioc_) {}

  ~Connection() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  Status Connect(Millis timeout) {
    // Name resolution is synchronous and bounded by the system resolver's own
    // timeouts: getaddrinfo cannot be cancelled, so a deadline here could not
    // stop it anyway. The default server is an IP literal, resolved at once.
    tcp::resolver resolver(ioc_);
    error_code ec;
    auto endpoints = resolver.resolve(url_.host, std::to_string(url_.port), ec);
    if (ec) return Unreachable(ec.message());
    stream_.expires_after(timeout);
    ec = Await(ioc_, [&](auto handler) { stream_.async_connect(endpoints, std::move(handler)); });
    if (ec == beast::error::timeout) {
      return Unreachable("timed out after " + FormatTimeout(timeout));
    }
    if (ec) return Unreachable(ec.message());
    return Status::Ok();
  }

  Status Send(http::request<http::string_body>& request, Millis timeout) {
    stream_.expires_after(timeout);
    error_code ec =
        Await(ioc_, [&](auto handler) { http::async_write(stream_, request, std::move(handler)); });
    if (ec) return Broken("sending the request", ec, timeout);
    return Status::Ok();
  }

  Result<HttpResponse> ReadWhole(Millis timeout) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(kNoBodyLimit);
    stream_.expires_after(timeout);
    error_code ec = Await(ioc_, [&](auto handler) {
      http::async_read(stream_, buffer_, parser, std::move(handler));
    });
    if (ec) return Broken("reading the response", ec, timeout);
    HttpResponse response = Head(parser.get());
    response.body = std::move(parser.get().body());
    return response;
  }

  Result<HttpResponse> ReadStreamed(const ChunkCallback& on_chunk, Millis idle_timeout) {
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(kNoBodyLimit);
    Expire(idle_timeout);
    error_code ec = Await(ioc_, [&](auto handler) {
      http::async_read_header(stream_, buffer_, parser, std::move(handler));
    });
    if (ec) return Broken("reading the response", ec, idle_timeout);
    HttpResponse response = Head(parser.get());
    const bool success = response.status >= 200 && response.status < 300;

    char chunk[16 * 1024];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof(chunk);
      Expire(idle_timeout);
      ec = Await(ioc_, [&](auto handler) {
        // read_some: hand each piece on as it arrives (live logs), not when
        // the chunk buffer is full.
        http::async_read_some(stream_, buffer_, parser, std::move(handler));
      });
      // need_buffer only says our chunk buffer is full: hand it on, go on.
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return Broken("reading the response", ec, idle_timeout);
      std::string_view data(chunk, sizeof(chunk) - parser.get().body().size);
      if (data.empty()) continue;
      if (success) {
        if (!on_chunk(data)) break;
      } else if (response.body.size() < kMaxErrorBody) {
        response.body.append(data.substr(0, kMaxErrorBody - response.body.size()));
      }
    }
    return response;
  }

 private:
  void Expire(Millis timeout) {
    if (timeout.count() > 0) {
      stream_.expires_after(timeout);
    } else {
      stream_.expires_never();
    }
  }

  template <typename Fields>
  static HttpResponse Head(const http::response_header<Fields>& header) {
    HttpResponse response;
    response.status = static_cast<int>(header.result_int());
    response.content_type = std::string(header[http::field::content_type]);
    response.www_authenticate = std::string(header[http::field::www_authenticate]);
    return response;
  }

  Status Unreachable(const std::string& why) const {
    return Unavailable("cannot reach " + url_.ToString() + ": " + why);
  }

  Status Broken(std::string_view doing, error_code ec, Millis timeout) const {
    if (ec == beast::error::timeout) {
      return Unavailable("no answer from " + url_.ToString() + " within " + FormatTimeout(timeout));
    }
    return Unavailable(url_.ToString() + ": failed " + std::string(doing) + ": " + ec.message());
  }

  const BaseUrl& url_;
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

Result<http::request<http::string_body>> BuildRequest(
    const BaseUrl& url, const std::string& token, std::string_view method, std::string_view target,
    std::string_view body, std::string_view content_type, const HttpHeaders& extra_headers) {
  http::verb verb = http::string_to_verb(beast::string_view(method.data(), method.size()));
  if (verb == http::verb::unknown) {
    return InvalidArgument("unknown HTTP method \"" + std::string(method) + "\"");
  }
  if (target.empty() || target.front() != '/') {
    return InvalidArgument("request target must start with '/': \"" + std::string(target) + "\"");
  }
  http::request<http::string_body> request{verb, url.prefix + std::string(target), 11};
  request.set(http::field::host, url.HostHeader());
  request.set(http::field::user_agent, std::string("pipegrid-cli/") + kVersion);
  request.keep_alive(false);
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  if (!content_type.empty()) request.set(http::field::content_type, std::string(content_type));
  for (const auto& [name, value] : extra_headers) request.insert(name, value);
  request.body() = std::string(body);
  request.prepare_payload();
  return request;
}

Status BadUrl(std::string_view url, std::string_view why) {
  return InvalidArgument("invalid server URL \"" + std::string(url) + "\": " + std::string(why));
}

}  // namespace

std::string BaseUrl::ToString() const { return "http://" + HostHeader() + prefix; }

std::string BaseUrl::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Result<BaseUrl> ParseBaseUrl(std::string_view url) {
  std::string_view rest = url;
  if (size_t scheme_end = url.find("://"); scheme_end != std::string_view::npos) {
    std::string scheme(url.substr(0, scheme_end));
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme == "https") return InvalidArgument("https is not supported yet");
    if (scheme != "http") return BadUrl(url, "only http:// is supported");
    rest = url.substr(scheme_end + 3);
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return BadUrl(url, "a query or fragment is not allowed");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return BadUrl(url, "user info is not supported (use --token)");
  }

  BaseUrl result;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(url, "unclosed '['");
    result.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return BadUrl(url, "expected ':' after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) return BadUrl(url, "empty port");
    }
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string_view::npos &&
        authority.find(':', colon + 1) != std::string_view::npos) {
      return BadUrl(url, "an IPv6 address must be written in brackets");
    }
    result.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return BadUrl(url, "empty port");
    }
  }
  if (result.host.empty()) return BadUrl(url, "no host");
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return BadUrl(url, "bad port \"" + std::string(port_text) + "\"");
    }
    result.port = static_cast<uint16_t>(port);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  result.prefix = std::string(path);
  return result;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c)) {
      out += c;
    } else {
      auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

Result<HttpClient> HttpClient::Create(std::string_view base_url, std::string token) {
  PG_ASSIGN_OR_RETURN(BaseUrl url, ParseBaseUrl(base_url));
  return HttpClient(std::move(url), std::move(token));
}

Result<HttpResponse> HttpClient::Request(std::string_view method, std::string_view target,
                                         std::string_view body, std::string_view content_type,
                                         const HttpHeaders& extra_headers, Millis timeout) const {
  PG_ASSIGN_OR_RETURN(auto request, BuildRequest(base_url_, token_, method, target, body,
                                                 content_type, extra_headers));
  Connection connection(base_url_);
  PG_RETURN_IF_ERROR(connection.Connect(timeout));
  PG_RETURN_IF_ERROR(connection.Send(request, timeout));
  return connection.ReadWhole(timeout);
}

Result<HttpResponse> HttpClient::StreamGet(std::string_view target, const ChunkCallback& on_chunk,
                                           const HttpHeaders& extra_headers,
                                           Millis idle_timeout) const {
  PG_ASSIGN_OR_RETURN(auto request,
                      BuildRequest(base_url_, token_, "GET", target, {}, {}, extra_headers));
  // Connecting and sending are always bounded, even when reads may wait forever.
  Millis setup_timeout = idle_timeout.count() > 0 ? idle_timeout : kDefaultHttpTimeout;
  Connection connection(base_url_);
  PG_RETURN_IF_ERROR(connection.Connect(setup_timeout));
  PG_RETURN_IF_ERROR(connection.Send(request, setup_timeout));
  return connection.ReadStreamed(on_chunk, idle_timeout);
}

}  // namespace pipegrid::cli
