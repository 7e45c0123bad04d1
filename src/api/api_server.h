// The REST API of DESIGN §5 and /metrics: the one entry point the server
// binaries use. Assembles the routes on an HttpServer, and optionally pushes
// the /metrics figures to InfluxDB.
//
// Thread-safety: Start(), port() and Stop() are for the owner's thread. The
// scheduler, store, clock, `ready` and the ApiFeeds must outlive the
// ApiServer; `ready` is called from the HTTP threads and must be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/auth_guard.h"
#include "api/router.h"
#include "common/clock.h"
#include "common/status.h"
#include "logs/change_feed.h"
#include "logs/log_watcher.h"
#include "master/scheduler.h"
#include "store/committer.h"
#include "store/store.h"

namespace pipegrid::api {

class HttpServer;
class InfluxPusher;

struct ApiOptions {
  std::string listen = "127.0.0.1:8080";  // "host:port"; port 0: ephemeral
  int64_t max_body_bytes = 4 << 20;       // larger bodies get 413
  std::string log_dir;                    // where workers write attempt logs
  // Where the master keeps tasks' output files: <outputs_dir>/<job>/<task>/
  // <path> (<data-dir>/outputs). Empty: output downloads answer 404.
  std::string outputs_dir;
  int threads = 1;                        // HTTP threads
  Millis idle_timeout{60'000};            // per read or write on a connection
  Millis sse_heartbeat{15'000};           // ": keepalive" on a quiet SSE stream
  // Optional push of the /metrics figures as InfluxDB line protocol:
  // "http://host:port/api/v2/write?org=O&bucket=B" (v2) or
  // "http://host:port/write?db=D" (v1). Empty: no push.
  std::string influx_url;
  std::string influx_token;  // v2: sent as "Authorization: Token ..."
  Millis influx_interval{10'000};
  // DESIGN §6: kRequired checks every route's bearer token (auth_guard.h).
  AuthMode auth = AuthMode::kOpen;
};

// Optional collaborators. Without `changes`, follow=true answers what exists
// now; without `committer`, the store-commit histograms stay empty.
struct ApiFeeds {
  logs::ChangeFeed* changes = nullptr;  // published after every store commit
  const store::GroupCommitter* committer = nullptr;
};

class ApiServer {
 public:
  // Binds and serves. Unavailable when the address cannot be bound ("cannot
  // listen on 127.0.0.1:8080: Address already in use") or log files cannot be
  // watched; InvalidArgument for a bad influx_url.
  static Result<std::unique_ptr<ApiServer>> Start(ApiOptions options, master::Scheduler& scheduler,
                                                  store::Store& store, const Clock& clock,
                                                  std::function<bool()> ready, ApiFeeds feeds = {});
  ~ApiServer();  // Stop()
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  uint16_t port() const;
  // Every (method, pattern) served, as registered: what the OpenAPI document
  // must describe (checked by a test).
  const std::vector<std::pair<std::string, std::string>>& routes() const { return routes_; }
  // Idempotent; stops the metrics push, ends every stream, joins the HTTP
  // threads and closes every connection. Answers the scheduler gives
  // afterwards are dropped.
  void Stop();

 private:
  ApiServer() = default;
  // Outlives the HTTP server, whose guarded handlers use it.
  std::unique_ptr<auth::TokenVerifier> verifier_;
  // Declared first: streams hold watches until the HTTP server is gone.
  std::unique_ptr<logs::LogWatcher> watcher_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<InfluxPusher> influx_;
  std::vector<std::pair<std::string, std::string>> routes_;
};


}  // namespace pipegrid::api
