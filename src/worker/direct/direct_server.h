// The worker direct API (issue 4 item 9): `pipegrid worker --listen
// HOST:PORT` serves proto/pipegrid/v1/worker_direct.proto on the worker
// itself, so a pipeline can start a tool on a chosen machine, stop it, ask
// its status and stream its output without the master.
//
// Always mutual TLS: the worker presents worker.crt from --tls-dir and
// accepts only clients whose certificate ca.crt issued (`pipegrid certs
// --client NAME`); a plaintext, certificate-less or foreign-CA client fails
// the handshake. Commands are not known to the master and take none of the
// worker's slots; they live in <work_dir>/direct/ (command_setup.h).
//
// Threads: gRPC's own, plus the CommandTable's loop and output pump.
// Thread-safety: port() and Stop() may be called from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace grpc {
class Server;
}

namespace pipegrid::worker::direct {

class CommandTable;
class DirectService;

struct DirectOptions {
  std::string listen;                     // HOST:PORT; port 0 picks a free one (see port())
  std::string tls_dir;                    // required: ca.crt, worker.crt, worker.key
  std::string work_dir;                   // the worker's --work-dir
  int max_running = 64;                   // more running commands: RESOURCE_EXHAUSTED
  size_t max_finished = 1000;             // finished records kept (then dropped, oldest first)
  int64_t max_output_bytes = 64LL << 20;  // per command, then a truncation line
  Millis kill_grace{5'000};               // SIGTERM -> SIGKILL when a command times out
  Millis shutdown_grace{1'000};           // SIGTERM -> SIGKILL in Stop()
};

class DirectServer {
 public:
  // Loads --tls-dir (role worker) and refuses to start without it, with
  // invalid files, or with certificates not valid at clock.Wall(); kills and
  // clears what a crashed previous run left in <work_dir>/direct/; binds and
  // serves. Unavailable when the address cannot be bound.
  [[nodiscard]] static Result<std::unique_ptr<DirectServer>> Start(DirectOptions options,
                                                                   const Clock& clock);
  ~DirectServer();  // Stop()
  DirectServer(const DirectServer&) = delete;
  DirectServer& operator=(const DirectServer&) = delete;

  // The bound port.
  int port() const { return port_; }

  // Refuses new commands, stops the running ones (SIGTERM, SIGKILL after
  // shutdown_grace; outcome INTERRUPTED) and waits until their processes are
  // gone, lets open streams send their last output, then shuts the server
  // down (calls still open a second later are cancelled). Idempotent.
  void Stop();

 private:
  DirectServer(DirectOptions options, std::unique_ptr<CommandTable> table);

  const DirectOptions options_;
  std::unique_ptr<CommandTable> table_;
  std::unique_ptr<DirectService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;

  std::mutex stop_mu_;
  bool stopped_ = false;  // guarded by stop_mu_
};

}  // namespace pipegrid::worker::direct
