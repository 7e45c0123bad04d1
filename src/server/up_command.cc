#include "server/up_command.h"

#include <iostream>

#include "cli/flag_config.h"
#include "common/units.h"
#include "common/version.h"
#include "server/certs_command.h"
#include "server/up.h"
#include "server/worker_command.h"
#include "store/sqlite/sqlite_store.h"

namespace pipegrid::server {
namespace {

// Flag values in DESIGN's spelling ("10s", "64Mi") are parsed after CLI11 has
// merged flags, environment and config file.
struct UpFlags {
  UpOptions options;
  std::string job_retention = "7d";
  std::string max_log_bytes = "64Mi";
  std::string max_body_bytes = "4Mi";
  std::string shutdown_grace = "10s";
  std::string cancel_grace = "10s";
  std::string worker_timeout = "10s";
  std::string max_output_bytes = "1Gi";
  std::string influx_interval = "10s";
};

Status Resolve(UpFlags& f) {
  auto duration = [](const std::string& flag, const std::string& text, Millis& out) -> Status {
    auto d = ParseDuration(text);
    if (!d.ok()) return InvalidArgument("--" + flag + ": " + d.status().message());
    out = *d;
    return Status::Ok();
  };
  auto size = [](const std::string& flag, const std::string& text, int64_t& out) -> Status {
    auto s = ParseSize(text);
    if (!s.ok()) return InvalidArgument("--" + flag + ": " + s.status().message());
    out = *s;
    return Status::Ok();
  };
  PG_RETURN_IF_ERROR(duration("job-retention", f.job_retention, f.options.job_retention));
  PG_RETURN_IF_ERROR(duration("shutdown-grace", f.shutdown_grace, f.options.shutdown_grace));
  PG_RETURN_IF_ERROR(duration("cancel-grace", f.cancel_grace, f.options.cancel_grace));
  PG_RETURN_IF_ERROR(duration("worker-timeout", f.worker_timeout, f.options.worker_timeout));
  PG_RETURN_IF_ERROR(duration("influx-interval", f.influx_interval, f.options.influx_interval));
  if (f.options.influx_interval <= Millis(0)) {
    return InvalidArgument("--influx-interval must be positive");
  }
  PG_RETURN_IF_ERROR(size("max-log-bytes", f.max_log_bytes, f.options.max_log_bytes));
  PG_RETURN_IF_ERROR(size("max-body-bytes", f.max_body_bytes, f.options.max_body_bytes));
  PG_RETURN_IF_ERROR(size("max-output-bytes", f.max_output_bytes, f.options.max_output_bytes));
  if (f.options.max_fanout < 0) return InvalidArgument("--max-fanout must not be negative");
  if (f.options.slots < -1) return InvalidArgument("--slots must not be negative");
  if (f.options.prefetch < -1) return InvalidArgument("--prefetch must not be negative");
  return Status::Ok();
}

// `up` and `master` share their flags; only `up` has an embedded worker.
void AddServer(CLI::App& app, int& exit_code, bool embedded_worker) {
  auto flags = std::make_shared<UpFlags>();
  const std::string command = embedded_worker ? "up" : "master";
  CLI::App* up = app.add_subcommand(
      command, embedded_worker
                   ? "Run master and an embedded worker on this machine, in the foreground"
                   : "Run the master alone; workers join with `pipegrid worker --master`");
  UpOptions& o = flags->options;
  o.command = command;
  o.embedded_worker = embedded_worker;
  up->add_option("--data-dir", o.data_dir, "State directory (store, logs, workspaces)")
      ->capture_default_str();
  up->add_option("--http", o.http, "HTTP listen address HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  up->add_option("--grpc", o.grpc, "Worker protocol listen address HOST:PORT")
      ->capture_default_str();
  up->add_option("--tls-dir", o.tls_dir,
                 "Mutual TLS for --grpc: ca.crt, master.crt, master.key (pipegrid certs); "
                 "required when --grpc is not on loopback");
  if (embedded_worker) {
    up->add_option("--slots", o.slots,
                   "Task slots of the embedded worker (default: cores; 0: jobs only queue)");
    up->add_option("--prefetch", o.prefetch,
                   "Assignments the embedded worker holds beyond its slots, started the moment "
                   "a slot frees (default: as many as slots; 0: none)");
    up->add_option("--name", o.worker_name, "Name of the embedded worker (default: hostname)");
    up->add_flag("--keep-workspaces", o.keep_workspaces,
                 "Keep task workspaces after their job ends");
  }
  up->add_option("--sync", o.sync, "Store durability: normal (survives a crash) or full "
                                   "(survives power loss)")
      ->capture_default_str();
  up->add_option("--job-retention", flags->job_retention,
                 "Delete finished jobs after this long; 0 keeps all")
      ->capture_default_str();
  up->add_option("--max-log-bytes", flags->max_log_bytes, "Log bytes kept per attempt")
      ->capture_default_str();
  up->add_option("--max-body-bytes", flags->max_body_bytes, "Largest accepted request body")
      ->capture_default_str();
  up->add_option("--shutdown-grace", flags->shutdown_grace,
                 "On SIGTERM: SIGKILL running attempts after this long")
      ->capture_default_str();
  up->add_option("--cancel-grace", flags->cancel_grace,
                 "On cancel: SIGKILL running attempts after this long")
      ->capture_default_str();
  up->add_option("--worker-timeout", flags->worker_timeout,
                 "A worker silent this long is lost")
      ->capture_default_str();
  up->add_option("--max-fanout", o.max_fanout,
                 "forEach: most instances of one task (more fail the task)")
      ->capture_default_str();
  up->add_option("--max-output-bytes", flags->max_output_bytes,
                 "outputs.files kept per attempt, in all")
      ->capture_default_str();
  up->add_option("--auth", o.auth,
                 "required: every API call needs a bearer token (pipegrid token create); "
                 "open: none does, allowed only when every listener is on loopback "
                 "(default: open on loopback, else required)")
      ->check(CLI::IsMember({"required", "open"}));
  up->add_option("--log-level", o.log_level, "trace|debug|info|warn|error")
      ->capture_default_str();
  up->add_option("--influx-url", o.influx_url,
                 "Also push the /metrics figures as InfluxDB line protocol to this URL: "
                 "http://HOST:PORT/api/v2/write?org=O&bucket=B or http://HOST:PORT/write?db=D");
  up->add_option("--influx-token", o.influx_token,
                 "InfluxDB v2 API token (sent as \"Authorization: Token ...\")");
  up->add_option("--influx-interval", flags->influx_interval, "How often to push to InfluxDB")
      ->capture_default_str();
  cli::EnableEnvAndConfig(*up);
  up->callback([flags, &exit_code] {
    Status s = Resolve(*flags);
    if (!s.ok()) {
      std::cerr << "pipegrid " << flags->options.command << ": " << s.message() << "\n";
      exit_code = 64;
      return;
    }
    exit_code = RunUp(flags->options);
  });
}

void AddVersion(CLI::App& app, int& exit_code) {
  CLI::App* version = app.add_subcommand("version", "Print binary, API, protocol and schema versions");
  version->callback([&exit_code] {
    std::cout << "pipegrid " << kVersion << "\napi " << kApiVersion << "\nprotocol "
              << kProtocolVersion << "\nschema " << store::SqliteSchemaVersion() << "\n";
    exit_code = 0;
  });
}

}  // namespace

void AddServerCommands(CLI::App& app, int& exit_code) {
  AddServer(app, exit_code, /*embedded_worker=*/true);
  AddServer(app, exit_code, /*embedded_worker=*/false);
  AddWorkerCommand(app, exit_code);
  AddCertsCommand(app, exit_code);
  AddVersion(app, exit_code);
}

}  // namespace pipegrid::server
