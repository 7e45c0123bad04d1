#include "api/grpc_server.h"

#include <fcntl.h>
#include <grpc/support/log.h>
#include <unistd.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <mutex>

#include "api/worker_session.h"
#include "worker/posix_util.h"
#include "worker/task_files.h"
#include "worker/workspace.h"
#include "common/clock.h"
#include "tls/grpc_credentials.h"
#include "tls/loopback.h"
#include "tls/tls_dir.h"

namespace pipegrid::api {
namespace {

// "target_address:\"ipv4:127.0.0.1:41080\"" inside a gRPC error text, or "".
std::string PeerOf(const char* msg) {
  const char* key = std::strstr(msg, "target_address:\"");
  if (key == nullptr) return "";
  key += std::strlen("target_address:\"");
  const char* end = std::strchr(key, '"');
  return end == nullptr ? "" : std::string(key, end);
}

void LogFromGrpc(gpr_log_func_args* args) {
  const char* msg = args->message != nullptr ? args->message : "";
  // One line per refused handshake: gRPC reports each up to three times
  // ("Handshake failed with fatal error" from the TLS library, "Security
  // handshake failed", "Handshaking failed"); the second carries it all.
  if (std::strstr(msg, "Security handshake failed") != nullptr) {
    std::string peer = PeerOf(msg);
    spdlog::warn(
        "TLS handshake failed{}: the peer has no certificate from this cluster's CA, or speaks "
        "plaintext to a TLS port (or TLS to a plaintext one); detail: {}",
        peer.empty() ? "" : " with " + peer, msg);
    return;
  }
  switch (args->severity) {
    case GPR_LOG_SEVERITY_ERROR:
      if (std::strstr(msg, "Handshake failed with fatal error") != nullptr) {
        spdlog::debug("grpc: {}", msg);
        break;
      }
      spdlog::warn("grpc: {}", msg);
      break;
    case GPR_LOG_SEVERITY_INFO:
      spdlog::debug("grpc: {}", msg);
      break;
    default:
      spdlog::trace("grpc: {}", msg);
      break;
  }
}

}  // namespace

void RouteGrpcLogs() {
  static std::once_flag once;
  std::call_once(once, [] {
    gpr_set_log_function(LogFromGrpc);
    // A refused handshake whose peer hung up first (a worker that rejected
    // the master's certificate) is only reported at debug severity.
    gpr_set_log_verbosity(GPR_LOG_SEVERITY_DEBUG);
  });
}

class GrpcServer::Service final : public v1::WorkerService::CallbackService {
 public:
  Service(master::Scheduler& scheduler, std::string log_dir, std::string outputs_dir)
      : scheduler_(scheduler), log_dir_(std::move(log_dir)), outputs_dir_(std::move(outputs_dir)) {}

  grpc::ServerBidiReactor<v1::WorkerMessage, v1::MasterMessage>* Connect(
      grpc::CallbackServerContext* context) override {
    return WorkerSession::Start(context, scheduler_, log_dir_, outputs_dir_);
  }

  // A piece of a kept file (1 MiB at most): a short pread, never a wait.
  grpc::ServerUnaryReactor* FetchOutput(grpc::CallbackServerContext* context,
                                        const v1::FetchOutputRequest* req,
                                        v1::FetchOutputReply* reply) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (!worker::IsSafePathComponent(req->job_id()) || !worker::IsSafePathComponent(req->task()) ||
        !worker::IsSafeRelativePath(req->path()) || req->offset() < 0) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad output path"));
      return reactor;
    }
    const std::string path = outputs_dir_ + "/" + req->job_id() + "/" + req->task() + "/" + req->path();
    worker::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                   "no output " + req->task() + "/" + req->path()));
      return reactor;
    }
    std::string buf(1 << 20, '\0');
    ssize_t n = ::pread(fd.get(), buf.data(), buf.size(), req->offset());
    if (n < 0) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, std::strerror(errno)));
      return reactor;
    }
    buf.resize(static_cast<size_t>(n));
    reply->set_eof(n < (1 << 20));
    reply->set_data(std::move(buf));
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  master::Scheduler& scheduler_;
  const std::string log_dir_;
  const std::string outputs_dir_;
};

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(const GrpcServerOptions& options,
                                                      master::Scheduler& scheduler) {
  RouteGrpcLogs();
  std::unique_ptr<GrpcServer> server(new GrpcServer());
  server->service_ = std::make_unique<Service>(scheduler, options.log_dir, options.outputs_dir);
  grpc::ServerBuilder builder;
  builder.RegisterService(server->service_.get());
  // Workers hold their stream for days; keepalive pings find dead peers
  // whose TCP connection never closed (a partition, a powered-off machine).
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC sets SO_REUSEPORT by default: a second master on the same port
  // would share it silently instead of failing to start.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (!options.listen.empty()) {
    std::shared_ptr<grpc::ServerCredentials> creds;
    if (!options.tls_dir.empty()) {
      PG_ASSIGN_OR_RETURN(tls::TlsFiles files,
                          tls::LoadTlsDir(options.tls_dir, tls::TlsRole::kMaster));
      PG_RETURN_IF_ERROR(tls::CheckValidAt(files, SystemClock::Instance().Wall()));
      creds = tls::ServerTlsCredentials(files);
      server->tls_ = true;
    } else if (!tls::IsLoopbackListen(options.listen)) {
      return InvalidArgument("--grpc " + options.listen +
                             " is not on loopback: workers must use mutual TLS; pass --tls-dir "
                             "(written by `pipegrid certs`)");
    } else {
      creds = grpc::InsecureServerCredentials();
    }
    builder.AddListeningPort(options.listen, creds, &server->port_);
  }
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || (!options.listen.empty() && server->port_ == 0)) {
    return Unavailable("--grpc " + options.listen + ": cannot listen (address in use?)");
  }
  spdlog::info("worker protocol listening grpc={} port={} tls={}",
               options.listen.empty() ? "in-process" : options.listen, server->port_,
               server->tls_ ? "mutual" : "off");
  return server;
}

std::shared_ptr<grpc::Channel> GrpcServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

void GrpcServer::Stop() {
  if (server_ == nullptr) return;
  // Streams never end by themselves: a short deadline cancels them.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  server_->Wait();
  server_.reset();
}

GrpcServer::~GrpcServer() { Stop(); }

}  // namespace pipegrid::api
