// `pipegrid up` and `pipegrid master` (DESIGN §1, §7): the master, with (up)
// or without (master) an embedded worker in the same process, state in one
// data directory. This is the composition root: it owns every long-lived
// component and stops them in reverse order.
//
// The embedded worker speaks the worker protocol to the master's own gRPC
// service over an in-process channel, exactly as a remote worker does over
// TCP: one code path.
#pragma once

#include <cstdint>
#include <string>

#include "common/clock.h"

namespace pipegrid::server {

struct UpOptions {
  std::string command = "up";  // for messages: "up" or "master"
  bool embedded_worker = true;  // false: `pipegrid master`
  std::string data_dir = "./.pipegrid";
  std::string http = "127.0.0.1:8080";
  std::string grpc = "127.0.0.1:7070";  // the worker protocol listener (remote workers)
  std::string tls_dir;  // mutual TLS for --grpc; required when it is not on loopback
  int slots = -1;                       // -1: number of cores; 0: queue only
  int prefetch = -1;                    // -1: as many as slots
  std::string worker_name;              // empty: the hostname
  bool keep_workspaces = false;
  std::string sync = "normal";          // normal | full
  Millis job_retention{7LL * 24 * 3600 * 1000};
  int64_t max_log_bytes = 64LL << 20;
  int64_t max_body_bytes = 4LL << 20;
  Millis shutdown_grace{10'000};
  Millis cancel_grace{10'000};
  Millis worker_timeout{10'000};
  int max_fanout = 10'000;              // forEach items per task
  int64_t max_output_bytes = 1LL << 30;  // outputs.files per attempt
  std::string log_level = "info";
  // DESIGN §6: "", "open" or "required" (server/auth_mode.h). "": open only
  // when every listener is on loopback.
  std::string auth;
  // Optional push of the /metrics figures as InfluxDB line protocol
  // (api::ApiOptions::influx_url); empty: none.
  std::string influx_url;
  std::string influx_token;
  Millis influx_interval{10'000};
};

// Runs in the foreground until SIGTERM or SIGINT. Returns the exit code.
// On a signal, `up` interrupts its attempts (they run again at the next
// start); `master` leaves remote attempts running for the next master to
// adopt.
int RunUp(const UpOptions& options);

}  // namespace pipegrid::server
