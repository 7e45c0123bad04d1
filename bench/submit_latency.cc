// Submit-to-start latency probe: submits N one-task jobs one after another to
// an idle server; each task writes the wall clock (ns) when its command runs.
// Latency = that time - the time just before the POST was sent. Prints
// p50/p90/p99/max in milliseconds.
//
// usage: submit_latency URL COUNT SCRATCH_DIR
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/http_client.h"

namespace {

long long NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s URL COUNT SCRATCH_DIR\n", argv[0]);
    return 64;
  }
  auto client = pipegrid::cli::HttpClient::Create(argv[1]);
  if (!client.ok()) {
    std::fprintf(stderr, "%s\n", client.status().ToString().c_str());
    return 64;
  }
  int count = std::stoi(argv[2]);
  std::string dir = argv[3];
  std::vector<double> latencies_ms;
  for (int i = 0; i < count; ++i) {
    std::string mark = dir + "/start-" + std::to_string(i);
    std::string spec = "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: probe" +
                       std::to_string(i) + "}\nspec:\n  tasks:\n    - name: t\n      steps: "
                       "[{commands: [\"date +%s%N > " + mark + ".tmp && mv " + mark + ".tmp " +
                       mark + "\"]}]\n";
    long long sent = NowNs();
    auto r = client->Request("POST", "/api/v1/jobs", spec, "application/yaml");
    if (!r.ok() || r->status != 201) {
      std::fprintf(stderr, "submit failed: %s\n",
                   r.ok() ? r->body.c_str() : r.status().ToString().c_str());
      return 1;
    }
    // Wait for the mark (bounded): the probe measures, it does not synchronise logic.
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((text = ReadFile(mark)).empty()) {
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "job %d did not start within 10s\n", i);
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    latencies_ms.push_back(static_cast<double>(std::stoll(text) - sent) / 1e6);
  }
  std::printf("submit->start latency over %d jobs: p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n",
              count, Percentile(latencies_ms, 0.5), Percentile(latencies_ms, 0.9),
              Percentile(latencies_ms, 0.99), *std::max_element(latencies_ms.begin(), latencies_ms.end()));
  return 0;
}
