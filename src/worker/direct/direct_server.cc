#include "worker/direct/direct_server.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "tls/grpc_credentials.h"
#include "tls/tls_dir.h"
#include "worker/direct/command_table.h"
#include "worker/direct/direct_service.h"

namespace pipegrid::worker::direct {
namespace {

// How long Stop() lets open calls end by themselves (streams sending the
// last output of commands that were just stopped) before cancelling them.
constexpr auto kShutdownDeadline = std::chrono::seconds(1);

}  // namespace

Result<std::unique_ptr<DirectServer>> DirectServer::Start(DirectOptions options,
                                                          const Clock& clock) {
  if (options.tls_dir.empty()) {
    return InvalidArgument(
        "--listen requires --tls-dir: the worker direct API accepts mutual TLS clients only");
  }
  if (options.listen.empty()) return InvalidArgument("the worker direct API needs --listen");
  PG_ASSIGN_OR_RETURN(tls::TlsFiles files, tls::LoadTlsDir(options.tls_dir, tls::TlsRole::kWorker));
  PG_RETURN_IF_ERROR(tls::CheckValidAt(files, clock.Wall()));

  TableOptions table_options;
  table_options.work_dir = options.work_dir;
  table_options.max_running = options.max_running;
  table_options.max_finished = options.max_finished;
  table_options.max_output_bytes = options.max_output_bytes;
  table_options.kill_grace = options.kill_grace;
  PG_ASSIGN_OR_RETURN(std::unique_ptr<CommandTable> table,
                      CommandTable::Create(std::move(table_options), clock));

  std::unique_ptr<DirectServer> server(new DirectServer(std::move(options), std::move(table)));
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second worker on the same port would
  // then share it silently instead of failing to start.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(server->options_.listen, tls::ServerTlsCredentials(files),
                           &server->port_);
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    server->server_.reset();
    return Unavailable("worker direct API cannot listen on " + server->options_.listen);
  }
  spdlog::info("worker direct API listening address={} port={} tls_dir={}", server->options_.listen,
               server->port_, server->options_.tls_dir);
  return server;
}

DirectServer::DirectServer(DirectOptions options, std::unique_ptr<CommandTable> table)
    : options_(std::move(options)),
      table_(std::move(table)),
      service_(std::make_unique<DirectService>(*table_)) {}

DirectServer::~DirectServer() { Stop(); }

void DirectServer::Stop() {
  std::lock_guard lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  // Commands first: once they are gone every follow stream is woken and
  // can end by itself, and no new command starts meanwhile.
  table_->StopAll(options_.shutdown_grace);
  if (server_) {
    // gRPC deadlines are wall-clock times by nature; the injected Clock
    // cannot drive gRPC's own timers, so this one bound reads the real one.
    server_->Shutdown(std::chrono::system_clock::now() + kShutdownDeadline);
    server_->Wait();
  }
  // No handler is left to wait for an answer from the table's loop.
  table_->Close();
}

}  // namespace pipegrid::worker::direct
