#include "api/api_server.h"

#include <chrono>
#include <mutex>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api/http_server.h"
#include "api/metrics.h"
#include "api/request_stats.h"
#include "api/routes.h"
#include "api/ui_routes.h"
#include "common/event_loop.h"

namespace pipegrid::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

// Every route of `routes`, timed into `latency` under its pattern: from the
// request to its handler's answer (a stream: to its start). The HTTP server
// counts requests itself; how long handlers take is only seen here.
Router TimeRoutes(Router routes, std::shared_ptr<RequestLatency> latency, const Clock& clock) {
  return WrapRoutes(std::move(routes), [latency, &clock](http::verb, const std::string& pattern,
                                                         Handler handler) -> Handler {
    return [handler = std::move(handler), latency, &clock, pattern](const Request& request,
                                                                   Responder r) {
      MonoTime start = clock.Monotonic();
      handler(request, r.Observed([latency, &clock, pattern, start] {
        std::chrono::duration<double> took = clock.Monotonic() - start;
        latency->Observe(pattern, took.count());
      }));
    };
  });
}

// Where --influx-url points: only plain HTTP.
struct InfluxUrl {
  std::string text;  // as given, for messages
  std::string host;  // without brackets
  std::string port = "80";
  std::string target;  // path and query
};

Result<InfluxUrl> ParseInfluxUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  auto bad = [&](const std::string& why) {
    return InvalidArgument("influx URL \"" + url + "\": " + why, "influx_url");
  };
  if (url.rfind("https://", 0) == 0) return bad("https is not supported; use http");
  if (url.rfind(kScheme, 0) != 0) return bad("must start with http://");
  InfluxUrl out;
  out.text = url;
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return bad("needs a host (and no user info)");
  }
  size_t colon = authority.rfind(':');
  if (authority.front() == '[') {  // [v6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated [");
    out.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("bad port");
      out.port = std::string(authority.substr(close + 2));
    }
  } else if (colon != std::string_view::npos) {
    out.host = std::string(authority.substr(0, colon));
    out.port = std::string(authority.substr(colon + 1));
  } else {
    out.host = std::string(authority);
  }
  if (out.host.empty() || out.port.empty() ||
      out.port.find_first_not_of("0123456789") != std::string::npos) {
    return bad("bad host or port");
  }
  return out;
}

// One POST on its own connection, bounded by `timeout` as a whole, run on
// `ioc` (restarted by the caller); stopping `ioc` abandons it.
Status PostLines(asio::io_context& ioc, const InfluxUrl& url, const std::string& token,
                 const std::string& body, Millis timeout) {
  beast::tcp_stream stream(ioc);
  asio::ip::tcp::resolver resolver(ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return Unavailable("influx push to " + url.text + ": " + ec.message());

  namespace http = beast::http;
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::content_type, "text/plain; charset=utf-8");
  if (!token.empty()) req.set(http::field::authorization, "Token " + token);
  req.keep_alive(false);
  req.body() = body;
  req.prepare_payload();
  http::response<http::string_body> res;
  beast::flat_buffer buffer;

  beast::error_code result = asio::error::operation_aborted;  // until a handler says otherwise
  stream.expires_after(timeout);  // one deadline for connect, send and receive
  stream.async_connect(endpoints, [&](beast::error_code e, const auto&) {
    if (e) return void(result = e);
    http::async_write(stream, req, [&](beast::error_code e2, size_t) {
      if (e2) return void(result = e2);
      http::async_read(stream, buffer, res, [&](beast::error_code e3, size_t) { result = e3; });
    });
  });
  ioc.run();
  if (result) return Unavailable("influx push to " + url.text + ": " + result.message());
  if (res.result_int() / 100 != 2) {
    return Unavailable(fmt::format("influx push to {}: HTTP {}: {}", url.text, res.result_int(),
                                   res.body().substr(0, 200)));
  }
  return Status::Ok();
}

}  // namespace

// Pushes the /metrics figures as line protocol every `interval`, from its own
// loop thread (timers on the injected clock). A failed push is logged once
// per streak of failures and tried again at the next tick: never fatal.
class InfluxPusher {
 public:
  InfluxPusher(InfluxUrl url, std::string token, Millis interval, MetricsSources sources,
               const Clock& clock)
      : url_(std::move(url)),
        token_(std::move(token)),
        interval_(interval),
        sources_(std::move(sources)),
        loop_(clock),
        gate_(std::make_shared<Gate>()) {
    gate_->loop = &loop_;
    loop_.Start("pg-metrics-push");
    loop_.Post([this] { Arm(); });
  }
  ~InfluxPusher() { Stop(); }

  void Stop() {
    {
      // A scheduler answer still on its way finds the gate closed, a push
      // already queued is skipped and one under way is abandoned: shutdown
      // never waits for InfluxDB.
      std::lock_guard lock(gate_->mu);
      gate_->loop = nullptr;
      gate_->stopped = true;
      ioc_.stop();
    }
    loop_.Stop();
  }

 private:
  struct Gate {
    std::mutex mu;
    EventLoop* loop = nullptr;  // guarded by mu; null once stopped
    bool stopped = false;       // guarded by mu
  };

  void Arm() {
    loop_.RunAfter(interval_, [this] { Tick(); });
  }

  void Tick() {
    std::shared_ptr<Gate> gate = gate_;
    GatherMetrics(sources_, [this, gate](Result<MetricsSnapshot> snapshot) {
      std::lock_guard lock(gate->mu);
      if (gate->loop == nullptr) return;
      gate->loop->Post([this, s = std::move(snapshot)] {
        Push(s);
        Arm();
      });
    });
  }

  void Push(const Result<MetricsSnapshot>& snapshot) {
    {
      std::lock_guard lock(gate_->mu);
      if (gate_->stopped) return;
      ioc_.restart();  // under the lock: a Stop() after this stops this push
    }
    Status s = snapshot.ok() ? PostLines(ioc_, url_, token_, RenderInfluxLines(*snapshot),
                                         std::min(interval_, Millis(10'000)))
                             : snapshot.status();
    {
      std::lock_guard lock(gate_->mu);
      if (gate_->stopped) return;  // abandoned: not a failure worth a line
    }
    if (!s.ok() && !failing_) spdlog::warn("metrics push failed: {}", s.ToString());
    if (s.ok() && failing_) spdlog::info("metrics push works again url={}", url_.text);
    failing_ = !s.ok();
  }

  const InfluxUrl url_;
  const std::string token_;
  const Millis interval_;
  const MetricsSources sources_;
  // The pushes' I/O, run by the loop thread; declared before the loop, which
  // joins its thread first. Handlers a stopped push leaves are destroyed with
  // it, never run: it is not restarted after Stop().
  asio::io_context ioc_;
  EventLoop loop_;
  std::shared_ptr<Gate> gate_;
  bool failing_ = false;  // loop thread
};

Result<std::unique_ptr<ApiServer>> ApiServer::Start(ApiOptions options,
                                                    master::Scheduler& scheduler,
                                                    store::Store& store, const Clock& clock,
                                                    std::function<bool()> ready, ApiFeeds feeds) {
  std::optional<InfluxUrl> influx;
  if (!options.influx_url.empty()) {
    PG_ASSIGN_OR_RETURN(influx, ParseInfluxUrl(options.influx_url));
    if (options.influx_interval <= Millis(0)) {
      return InvalidArgument("the influx interval must be positive", "influx_interval");
    }
  }
  std::unique_ptr<ApiServer> server(new ApiServer());
  FollowSources live;
  if (feeds.changes != nullptr) {
    PG_ASSIGN_OR_RETURN(server->watcher_, logs::LogWatcher::Start());
    live = FollowSources{feeds.changes, server->watcher_.get(), options.sse_heartbeat};
  }
  auto stats = std::make_shared<RequestStats>();
  auto latency = std::make_shared<RequestLatency>();
  MetricsSources metrics{store,      scheduler.counters(), std::move(ready), stats,
                         &scheduler, feeds.committer,      latency};

  Router router;
  AddJobReadRoutes(router, store);
  AddCommandRoutes(router, scheduler, store, options.log_dir, options.outputs_dir);
  AddLogRoutes(router, store, options.log_dir, live);
  AddOutputRoutes(router, store, options.outputs_dir);
  AddEventRoutes(router, store, live);
  AddDeadLetterReadRoutes(router, store);
  AddTokenRoutes(router, store, clock);
  AddOpenApiRoute(router);
  AddUiRoutes(router);
  AddHealthRoutes(router, metrics);
  for (const auto& [method, pattern] : router.Routes()) {
    server->routes_.emplace_back(std::string(http::to_string(method)), pattern);
  }

  server->verifier_ = std::make_unique<auth::TokenVerifier>(store, clock);
  HttpServerOptions http_options;
  http_options.listen = std::move(options.listen);
  http_options.max_body_bytes = options.max_body_bytes;
  http_options.idle_timeout = options.idle_timeout;
  http_options.threads = options.threads;
  PG_ASSIGN_OR_RETURN(
      server->http_,
      HttpServer::Start(std::move(http_options),
                        TimeRoutes(GuardRoutes(std::move(router), options.auth,
                                               server->verifier_.get()),
                                   latency, clock),
                        clock, std::move(stats)));
  if (influx) {
    server->influx_ = std::make_unique<InfluxPusher>(std::move(*influx), options.influx_token,
                                                     options.influx_interval, metrics, clock);
  }
  return server;
}

ApiServer::~ApiServer() { Stop(); }

uint16_t ApiServer::port() const { return http_->port(); }

void ApiServer::Stop() {
  if (influx_) influx_->Stop();
  if (http_) http_->Stop();  // null when Start() failed before binding
}

}  // namespace pipegrid::api
