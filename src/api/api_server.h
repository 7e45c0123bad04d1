// The REST API of DESIGN §5 and /metrics: the one entry point the server
// binaries use. Assembles the routes on an HttpServer.
//
// Thread-safety: Start(), port() and Stop() are for the owner's thread. The
// scheduler, store, clock and `ready` must outlive the ApiServer; `ready` is
// called from the HTTP threads and must be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "master/scheduler.h"
#include "store/store.h"

namespace pipegrid::api {

class HttpServer;

struct ApiOptions {
  std::string listen = "127.0.0.1:8080";  // "host:port"; port 0: ephemeral
  int64_t max_body_bytes = 4 << 20;       // larger bodies get 413
  std::string log_dir;                    // where workers write attempt logs
  int threads = 1;                        // HTTP threads
  Millis idle_timeout{60'000};            // per read or write on a connection
};

class ApiServer {
 public:
  // Binds and serves. Unavailable when the address cannot be bound ("cannot
  // listen on 127.0.0.1:8080: Address already in use").
  static Result<std::unique_ptr<ApiServer>> Start(ApiOptions options, master::Scheduler& scheduler,
                                                  store::Store& store, const Clock& clock,
                                                  std::function<bool()> ready);
  ~ApiServer();  // Stop()
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  uint16_t port() const;
  // Idempotent; joins the HTTP threads and closes every connection. Answers
  // the scheduler gives afterwards are dropped.
  void Stop();

 private:
  explicit ApiServer(std::unique_ptr<HttpServer> http);
  std::unique_ptr<HttpServer> http_;
};

}  // namespace pipegrid::api
