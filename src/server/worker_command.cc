#include "server/worker_command.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "api/grpc_server.h"
#include "cli/flag_config.h"
#include "common/units.h"
#include "common/version.h"
#include "server/data_dir_lock.h"
#include "server/worker_flags.h"
#include "tls/grpc_credentials.h"
#include "tls/loopback.h"
#include "tls/tls_dir.h"
#include "worker/agent.h"
#include "worker/direct/direct_server.h"
#include "worker/remote/instance_id.h"
#include "worker/remote/worker_client.h"

namespace pipegrid::server {
namespace {

struct WorkerFlags {
  std::string master;
  std::string name;
  int slots = -1;
  int prefetch = -1;
  std::string labels;
  std::string zone;
  std::string tls_dir;
  std::string work_dir = "./.pipegrid-worker";
  std::string drain_grace = "60s";
  std::string max_log_bytes = "64Mi";
  bool keep_workspaces = false;
  std::string log_level = "info";
  std::string listen;  // the worker direct API; empty: off
};

std::string Hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "worker";
  return buf;
}

// The channel to the master: mutual TLS with --tls-dir; plaintext only to a
// master on loopback (a worker never sends work and output in clear over a
// network).
Result<worker::WorkerClient::ChannelFactory> MasterChannel(const WorkerFlags& f) {
  grpc::ChannelArguments args;
  // Detects a dead master (or a partition) whose connection never closed.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Reconnects are paced by the client's own backoff.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2'000);
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (!f.tls_dir.empty()) {
    PG_ASSIGN_OR_RETURN(tls::TlsFiles files, tls::LoadTlsDir(f.tls_dir, tls::TlsRole::kWorker));
    PG_RETURN_IF_ERROR(tls::CheckValidAt(files, SystemClock::Instance().Wall()));
    creds = tls::ChannelTlsCredentials(files);
  } else if (!tls::IsLoopbackListen(f.master)) {
    return InvalidArgument("--master " + f.master +
                           " is not on loopback: pass --tls-dir with this cluster's ca.crt, "
                           "worker.crt and worker.key (pipegrid certs)");
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  std::string target = f.master;
  return worker::WorkerClient::ChannelFactory([target, creds, args] {
    return grpc::CreateCustomChannel(target, creds, args);
  });
}

int RunWorker(const WorkerFlags& f) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);  // the client ended by itself (drained, refused)
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  spdlog::set_default_logger(spdlog::stderr_color_mt("pipegrid-worker"));
  spdlog::set_level(spdlog::level::from_str(f.log_level));
  api::RouteGrpcLogs();
  auto fail = [](const Status& s) {
    std::cerr << "pipegrid worker: " << s.message() << "\n";
    return 1;
  };
  if (f.master.empty()) return fail(InvalidArgument("--master HOST:PORT is required"));
  auto labels = ParseLabels(f.labels);
  if (!labels.ok()) return fail(labels.status());
  auto drain_grace = ParseDuration(f.drain_grace);
  if (!drain_grace.ok()) return fail(InvalidArgument("--drain-grace: " + drain_grace.status().message()));
  auto max_log_bytes = ParseSize(f.max_log_bytes);
  if (!max_log_bytes.ok()) {
    return fail(InvalidArgument("--max-log-bytes: " + max_log_bytes.status().message()));
  }
  if (f.slots < -1) return fail(InvalidArgument("--slots must not be negative"));
  if (f.prefetch < -1) return fail(InvalidArgument("--prefetch must not be negative"));
  auto channels = MasterChannel(f);
  if (!channels.ok()) return fail(channels.status());

  std::error_code ec;
  std::string work_dir = std::filesystem::absolute(f.work_dir, ec).lexically_normal().string();
  if (!work_dir.empty() && work_dir.back() == '/') work_dir.pop_back();
  auto lock = DataDirLock::Acquire(work_dir);
  if (!lock.ok()) return fail(lock.status());
  auto instance_id = worker::LoadOrCreateInstanceId(work_dir);
  if (!instance_id.ok()) return fail(instance_id.status());

  worker::WorkerClientOptions client_options;
  client_options.name = f.name.empty() ? Hostname() : f.name;
  client_options.instance_id = *instance_id;
  client_options.version = kVersion;
  client_options.labels = *labels;
  client_options.zone = f.zone;
  client_options.slots =
      f.slots >= 0 ? f.slots : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  client_options.prefetch = f.prefetch >= 0 ? f.prefetch : client_options.slots;
  client_options.cpu = std::thread::hardware_concurrency();
  client_options.memory = static_cast<int64_t>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGESIZE);
  client_options.log_dir = work_dir + "/logs";
  client_options.drain_grace = *drain_grace;
  client_options.cache_dir = work_dir + "/cache";
  worker::WorkerClient client(client_options, *channels);

  // Kills what a crashed previous run left behind; the master learns of
  // those attempts from the (empty) running list of the first Register.
  worker::AgentOptions agent_options;
  agent_options.work_dir = work_dir + "/workspaces";
  agent_options.log_dir = client_options.log_dir;
  agent_options.state_dir = work_dir + "/state";
  agent_options.keep_workspaces = f.keep_workspaces;
  agent_options.max_log_bytes = *max_log_bytes;
  agent_options.slots = client_options.slots;
  auto agent = worker::Agent::Create(agent_options, SystemClock::Instance(), client);
  if (!agent.ok()) return fail(agent.status());

  // The direct API (issue 4 item 9): off unless --listen; always mutual TLS.
  std::unique_ptr<worker::direct::DirectServer> direct;
  std::string direct_address = "off";
  if (!f.listen.empty()) {
    worker::direct::DirectOptions direct_options;
    direct_options.listen = f.listen;
    direct_options.tls_dir = f.tls_dir;
    direct_options.work_dir = work_dir;
    auto started = worker::direct::DirectServer::Start(direct_options, SystemClock::Instance());
    if (!started.ok()) return fail(started.status());
    direct = std::move(*started);
    direct_address = f.listen.substr(0, f.listen.rfind(':')) + ":" + std::to_string(direct->port());
  }

  client.Start(**agent);
  std::cout << "pipegrid worker started: name=" << client_options.name << " master=" << f.master
            << " tls=" << (f.tls_dir.empty() ? "off" : "mutual") << " slots="
            << client_options.slots << " direct=" << direct_address << " work-dir=" << work_dir
            << " pid=" << ::getpid() << std::endl;
  // The client may end by itself (a master's drain, a permanent refusal):
  // that wakes the main thread like a signal does.
  std::thread waker([&client] {
    client.Wait();
    ::kill(::getpid(), SIGUSR1);
  });

  int sig = 0;
  sigwait(&signals, &sig);
  int rc = 0;
  if (sig != SIGUSR1) {
    spdlog::info("signal {}: draining (a second signal exits at once)", sig);
    std::thread([signals] {
      int again = 0;
      sigwait(&signals, &again);
      if (again == SIGUSR1) sigwait(&signals, &again);
      spdlog::warn("second signal during drain: exiting at once signal={}", again);
      std::_Exit(1);
    }).detach();
    client.Drain(sig == SIGTERM ? "SIGTERM" : "SIGINT");
  } else {
    Status ended = client.Wait();
    if (!ended.ok()) {
      std::cerr << "pipegrid worker: " << ended.message() << "\n";
      rc = 1;
    }
  }
  client.Stop();
  waker.join();
  if (direct) direct->Stop();
  (*agent)->Shutdown(Millis(0));
  spdlog::info("stopped");
  return rc;
}

}  // namespace

void AddWorkerCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<WorkerFlags>();
  CLI::App* cmd = app.add_subcommand("worker", "Run a worker that takes tasks from a master");
  cmd->add_option("--master", flags->master, "The master's gRPC address HOST:PORT");
  cmd->add_option("--name", flags->name, "This worker's id in the fleet (default: hostname)");
  cmd->add_option("--slots", flags->slots, "Attempts run at once (default: cores)");
  cmd->add_option("--prefetch", flags->prefetch,
                  "Assignments held beyond --slots, started the moment a slot frees "
                  "(default: as many as slots; 0: none)");
  cmd->add_option("--labels", flags->labels, "Labels for nodeSelector: k=v,k=v");
  cmd->add_option("--zone", flags->zone, "Zone (the pipegrid.io/zone label)");
  cmd->add_option("--tls-dir", flags->tls_dir,
                  "Mutual TLS: ca.crt, worker.crt, worker.key (pipegrid certs); required when "
                  "--master is not on loopback");
  cmd->add_option("--work-dir", flags->work_dir,
                  "Workspaces, local logs, instance id and crash records")
      ->capture_default_str();
  cmd->add_option("--drain-grace", flags->drain_grace,
                  "On SIGTERM or a drain: wait this long for running attempts, then hand them "
                  "back")
      ->capture_default_str();
  cmd->add_option("--max-log-bytes", flags->max_log_bytes, "Log bytes kept per attempt")
      ->capture_default_str();
  cmd->add_flag("--keep-workspaces", flags->keep_workspaces,
                "Keep task workspaces after their job ends");
  cmd->add_option("--listen", flags->listen,
                  "Serve the worker direct API (start, stop, status, output of commands) on "
                  "HOST:PORT; needs --tls-dir, clients need a certificate from its CA");
  cmd->add_option("--log-level", flags->log_level, "trace|debug|info|warn|error")
      ->capture_default_str();
  cli::EnableEnvAndConfig(*cmd);
  cmd->callback([flags, &exit_code] { exit_code = RunWorker(*flags); });
}

}  // namespace pipegrid::server
