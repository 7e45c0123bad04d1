// `pipegrid up`: master and one embedded worker in one process, state in one
// data directory (DESIGN §1, §7). This is the composition root: it owns every
// long-lived component and stops them in reverse order.
#pragma once

#include <cstdint>
#include <string>

#include "common/clock.h"

namespace pipegrid::server {

struct UpOptions {
  std::string data_dir = "./.pipegrid";
  std::string http = "127.0.0.1:8080";
  std::string grpc = "127.0.0.1:7070";  // the worker protocol listener (remote workers)
  int slots = -1;                       // -1: number of cores; 0: queue only
  std::string worker_name;              // empty: the hostname
  bool keep_workspaces = false;
  std::string sync = "normal";          // normal | full
  Millis job_retention{7LL * 24 * 3600 * 1000};
  int64_t max_log_bytes = 64LL << 20;
  int64_t max_body_bytes = 4LL << 20;
  Millis shutdown_grace{10'000};
  Millis cancel_grace{10'000};
  Millis worker_timeout{10'000};
  std::string log_level = "info";
  // Optional push of the /metrics figures as InfluxDB line protocol
  // (api::ApiOptions::influx_url); empty: none.
  std::string influx_url;
  std::string influx_token;
  Millis influx_interval{10'000};
};

// Runs in the foreground until SIGTERM or SIGINT. Returns the exit code.
int RunUp(const UpOptions& options);

}  // namespace pipegrid::server
