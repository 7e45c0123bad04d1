#include "server/up.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <future>
#include <iostream>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "api/api_server.h"
#include "api/grpc_server.h"
#include "common/event_loop.h"
#include "common/ids.h"
#include "common/units.h"
#include "common/version.h"
#include "logs/change_feed.h"
#include "master/retention.h"
#include "master/scheduler.h"
#include "server/auth_mode.h"
#include "server/data_dir_lock.h"
#include "store/committer.h"
#include "store/sqlite/sqlite_store.h"
#include "worker/agent.h"
#include "worker/remote/worker_client.h"

namespace pipegrid::server {
namespace {

std::string Hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "local";
  return buf;
}

// Runs `fn` on the loop thread and waits for the value it hands to its reply.
template <typename T, typename Fn>
T CallOnLoop(EventLoop& loop, Fn fn) {
  std::promise<T> p;
  loop.Post([&] { fn([&p](T v) { p.set_value(std::move(v)); }); });
  return p.get_future().get();
}

// Runs a cleanup when the scope ends, however it ends.
class ScopeExit {
 public:
  explicit ScopeExit(std::function<void()> fn) : fn_(std::move(fn)) {}
  ~ScopeExit() { fn_(); }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;

 private:
  std::function<void()> fn_;
};

int Fail(const std::string& command, const Status& s) {
  std::cerr << "pipegrid " << command << ": " << s.message() << "\n";
  return 1;
}

}  // namespace

int RunUp(const UpOptions& options) {
  // Signals are taken by sigwait() below; block them before any thread starts
  // so every thread inherits the mask (children reset it when spawned).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server

  spdlog::set_default_logger(spdlog::stderr_color_mt("pipegrid"));
  spdlog::set_level(spdlog::level::from_str(options.log_level));
  auto fail = [&](const Status& s) { return Fail(options.command, s); };

  std::vector<Listener> listeners = {{"--http", options.http}};
  if (!options.grpc.empty()) listeners.push_back({"--grpc", options.grpc});
  Result<api::AuthMode> auth_mode = ResolveAuthMode(options.auth, listeners);
  if (!auth_mode.ok()) return fail(auth_mode.status());

  std::error_code ec;
  std::string data_dir = std::filesystem::absolute(options.data_dir, ec).lexically_normal().string();
  if (!data_dir.empty() && data_dir.back() == '/') data_dir.pop_back();
  auto lock = DataDirLock::Acquire(data_dir);
  if (!lock.ok()) return fail(lock.status());

  store::SqliteOptions store_options;
  if (options.sync == "full") {
    store_options.sync = store::SyncMode::kFull;
  } else if (options.sync != "normal") {
    return fail(InvalidArgument("--sync must be normal or full"));
  }
  auto store = store::OpenSqliteStore(data_dir + "/pipegrid.db", store_options);
  if (!store.ok()) return fail(store.status());

  const Clock& clock = SystemClock::Instance();
  // Before the committer, which publishes to it after every commit: live log
  // and event followers wake on it.
  logs::ChangeFeed changes;
  // A change nobody waits on (RUNNING) shares the next commit if one comes
  // within this long: a short task's start and end then cost one commit.
  constexpr std::chrono::microseconds kLazyCommitDelay{5'000};
  store::GroupCommitter committer(**store, clock, kLazyCommitDelay);
  committer.SetObserver([&changes](const store::Batch& committed) { changes.Publish(committed); });
  IdGenerator ids(clock);
  EventLoop loop(clock);
  master::SchedulerOptions sched_options;
  sched_options.cancel_grace = options.cancel_grace;
  sched_options.worker_timeout = options.worker_timeout;
  sched_options.max_fanout = options.max_fanout;
  sched_options.max_output_bytes = options.max_output_bytes;
  sched_options.outputs_dir = data_dir + "/outputs";
  master::Scheduler scheduler(loop, **store, committer, ids, sched_options);
  const std::string log_dir = data_dir + "/logs";

  // The embedded worker first: it kills what a crashed previous run left
  // behind before recovery queues those attempts again. Its reports go to
  // its protocol client, which sends them over the in-process channel.
  std::unique_ptr<worker::WorkerClient> client;
  std::unique_ptr<worker::Agent> agent;
  std::unique_ptr<api::GrpcServer> grpc_server;
  if (options.embedded_worker) {
    worker::WorkerClientOptions client_options;
    client_options.name = options.worker_name.empty() ? Hostname() : options.worker_name;
    client_options.version = kVersion;
    client_options.slots =
        options.slots >= 0 ? options.slots
                           : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    client_options.prefetch = options.prefetch >= 0 ? options.prefetch : client_options.slots;
    client_options.cpu = std::thread::hardware_concurrency();
    client_options.memory = static_cast<int64_t>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGESIZE);
    // The agent writes into the master's log dir: nothing to ship.
    client_options.ship_logs = false;
    client_options.exit_on_drain = false;
    client_options.drain_grace = Millis(0);
    client_options.cache_dir = data_dir + "/cache";
    client = std::make_unique<worker::WorkerClient>(
        client_options, [&grpc_server] { return grpc_server->InProcessChannel(); });
    worker::AgentOptions agent_options;
    agent_options.work_dir = data_dir + "/workspaces";
    agent_options.log_dir = log_dir;
    agent_options.state_dir = data_dir + "/worker-state";
    agent_options.keep_workspaces = options.keep_workspaces;
    agent_options.max_log_bytes = options.max_log_bytes;
    agent_options.slots = client_options.slots;
    auto created = worker::Agent::Create(agent_options, clock, *client);
    if (!created.ok()) return fail(created.status());
    agent = std::move(*created);
  }

  loop.Start("pg-scheduler");
  // Every way out from here, early failures included, stops the worker side
  // (whose reports go to the scheduler), then the loop, then the committer,
  // while the scheduler they call into still exists. Idempotent: the normal
  // path below has already done most of it.
  ScopeExit teardown([&] {
    if (client) client->Stop();
    if (grpc_server) grpc_server->Stop();
    if (agent) agent->Shutdown(Millis(0));
    loop.Stop();
    committer.Stop();
  });
  Status recovered = CallOnLoop<Status>(loop, [&](auto reply) { reply(scheduler.Recover()); });
  if (!recovered.ok()) return fail(recovered);

  api::GrpcServerOptions grpc_options;
  grpc_options.listen = options.grpc;
  grpc_options.tls_dir = options.tls_dir;
  grpc_options.log_dir = log_dir;
  grpc_options.outputs_dir = sched_options.outputs_dir;
  auto started_grpc = api::GrpcServer::Start(grpc_options, scheduler);
  if (!started_grpc.ok()) return fail(started_grpc.status());
  grpc_server = std::move(*started_grpc);

  if (client) {
    client->Start(*agent);
    Status registered = client->WaitRegistered(Millis(10'000));
    if (!registered.ok()) return fail(registered);
  }

  std::atomic<bool> ready{false};
  api::ApiOptions api_options;
  api_options.listen = options.http;
  api_options.max_body_bytes = options.max_body_bytes;
  api_options.log_dir = log_dir;
  api_options.outputs_dir = sched_options.outputs_dir;
  api_options.influx_url = options.influx_url;
  api_options.influx_token = options.influx_token;
  api_options.influx_interval = options.influx_interval;
  api_options.auth = *auth_mode;
  auto api = api::ApiServer::Start(
      api_options, scheduler, **store, clock, [&ready] { return ready.load(); },
      api::ApiFeeds{&changes, &committer});
  if (!api.ok()) return fail(api.status());

  master::RetentionOptions retention_options;
  retention_options.retention = options.job_retention;
  retention_options.log_dir = log_dir;
  retention_options.outputs_dir = sched_options.outputs_dir;
  master::RetentionSweeper retention(
      **store,
      [&scheduler](std::vector<std::string> ids, std::function<void(Status)> done) {
        scheduler.Purge(std::move(ids), std::move(done));
      },
      clock, retention_options);
  retention.Start();

  ready = true;
  std::string host = options.http.substr(0, options.http.rfind(':'));
  std::string url = "http://" + host + ":" + std::to_string((*api)->port());
  std::string grpc = "in-process";
  if (!options.grpc.empty()) {
    grpc = options.grpc.substr(0, options.grpc.rfind(':')) + ":" +
           std::to_string(grpc_server->port());
  }
  std::cout << "pipegrid ready: url=" << url << " api=" << url << "/api/v1 grpc=" << grpc
            << " grpc-tls=" << (grpc_server->tls() ? "mutual" : "off") << " data-dir=" << data_dir
            << " auth=" << api::Name(*auth_mode) << " pid=" << ::getpid() << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("shutting down signal={}", sig);
  // A second signal means "now": the store is consistent at every commit, and
  // the next start kills what this run leaves behind.
  std::thread([signals] {
    int again = 0;
    sigwait(&signals, &again);
    spdlog::warn("second signal during shutdown: exiting at once signal={}", again);
    std::_Exit(1);
  }).detach();
  // DESIGN §7: not ready and no new submits, running attempts interrupted
  // (up) or left to the next master (master), the store flushed, exit 0.
  ready = false;
  std::promise<Status> stopped;
  scheduler.Shutdown(
      options.shutdown_grace, [&stopped](Status s) { stopped.set_value(s); },
      /*interrupt_attempts=*/options.embedded_worker);
  Status shutdown = stopped.get_future().get();
  if (!shutdown.ok()) spdlog::warn("shutdown: {}", shutdown.ToString());
  retention.Stop();
  (*api)->Stop();
  // The embedded worker has nothing left to run: it leaves (GONE).
  if (client) client->Drain("shutdown");
  grpc_server->Stop();
  if (agent) agent->Shutdown(Millis(0));
  loop.Stop();
  committer.Stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace pipegrid::server
