// The master's gRPC listener: the worker protocol (WorkerService), over TCP
// for remote workers and in-process for the embedded worker of `pipegrid up`
// (DESIGN §1: one code path).
//
// Mutual TLS (DESIGN §6, issue 4 item 3): with --tls-dir the listener
// requires a client certificate from the cluster CA; without it, a listener
// that is not on loopback refuses to start, and a loopback one is plaintext.
// A refused handshake (plaintext or foreign-CA worker) is logged by gRPC's
// TLS layer, which this server routes into its own log with a clear line.
//
// Thread-safety: Start() and Stop() from one thread; sessions run on gRPC's
// threads and talk to the scheduler through its thread-safe API.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/status.h"
#include "master/scheduler.h"

namespace pipegrid::api {

struct GrpcServerOptions {
  std::string listen;   // HOST:PORT; empty: in-process only
  std::string tls_dir;  // master.crt/.key and ca.crt; empty: plaintext (loopback only)
  std::string log_dir;  // where remote workers' output is written
  // Tasks' kept files: <outputs_dir>/<job>/<task>/<path>, staged under
  // <outputs_dir>/.incoming/ while they arrive; served to workers placing
  // inputs (FetchOutput).
  std::string outputs_dir;
};

class GrpcServer {
 public:
  static Result<std::unique_ptr<GrpcServer>> Start(const GrpcServerOptions& options,
                                                   master::Scheduler& scheduler);
  ~GrpcServer();

  int port() const { return port_; }  // 0 when not listening on TCP
  bool tls() const { return tls_; }
  // A channel to this server that never leaves the process.
  std::shared_ptr<grpc::Channel> InProcessChannel();
  // Ends every worker stream (their workers see the master go) and stops.
  // The scheduler's loop must still run: sessions detach through it.
  void Stop();

 private:
  class Service;
  GrpcServer() = default;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool tls_ = false;
};

// Routes gRPC's own log lines into spdlog once per process, and names the
// likely cause of a failed TLS handshake (a worker without a certificate of
// the cluster CA, or speaking plaintext).
void RouteGrpcLogs();

}  // namespace pipegrid::api
