#include "api/api_server.h"

#include "api/http_server.h"
#include "api/request_stats.h"
#include "api/routes.h"

namespace pipegrid::api {

Result<std::unique_ptr<ApiServer>> ApiServer::Start(ApiOptions options,
                                                    master::Scheduler& scheduler,
                                                    store::Store& store, const Clock& clock,
                                                    std::function<bool()> ready) {
  auto stats = std::make_shared<RequestStats>();
  Router router;
  AddJobReadRoutes(router, store);
  AddCommandRoutes(router, scheduler, store, options.log_dir);
  AddLogRoutes(router, store, options.log_dir);
  AddEventRoutes(router, store);
  AddDeadLetterReadRoutes(router, store);
  AddOpenApiRoute(router);
  AddHealthRoutes(router, HealthContext{store, scheduler.counters(), std::move(ready), stats});

  HttpServerOptions http_options;
  http_options.listen = std::move(options.listen);
  http_options.max_body_bytes = options.max_body_bytes;
  http_options.idle_timeout = options.idle_timeout;
  http_options.threads = options.threads;
  PG_ASSIGN_OR_RETURN(
      std::unique_ptr<HttpServer> http,
      HttpServer::Start(std::move(http_options), std::move(router), clock, std::move(stats)));
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(http)));
}

ApiServer::ApiServer(std::unique_ptr<HttpServer> http) : http_(std::move(http)) {}

ApiServer::~ApiServer() { Stop(); }

uint16_t ApiServer::port() const { return http_->port(); }

void ApiServer::Stop() { http_->Stop(); }

}  // namespace pipegrid::api
