// Helpers for driving CLI11 apps and the process environment in tests, and a
// fixture that runs client commands against a fake server.
#pragma once

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "support/test_util.h"
#include "unit/cli/fake_http_server.h"

namespace pipegrid::cli::testing {

// Sets (or, with nullopt, unsets) an environment variable for its lifetime.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value) {
      setenv(name_.c_str(), value->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// app.parse() of "pipegrid <args...>", as main() would see it.
inline void ParseArgs(CLI::App& app, const std::vector<std::string>& args) {
  std::vector<std::string> storage = {"pipegrid"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  app.parse(static_cast<int>(argv.size()), argv.data());
}

// Answers "METHOD target" with queued responses; the last one repeats.
class Routes {
 public:
  void Add(const std::string& route, std::string response) {
    std::lock_guard<std::mutex> lock(mu_);
    routes_[route].push_back(std::move(response));
  }
  std::optional<std::string> Answer(const RecordedRequest& request) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = routes_.find(request.method + " " + request.target);
    if (it == routes_.end()) {
      return JsonResponse(404, R"({"error":{"code":"NOT_FOUND","message":"no route"}})");
    }
    std::string response = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    return response;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::deque<std::string>> routes_;
};

// Runs client commands end to end: CLI::App + argv -> HTTP requests to a fake
// server answering from routes_ -> out_, err_ and the exit code. Sleeps are
// recorded in sleeps_, not slept.
class ClientCommandTest : public ::testing::Test {
 protected:
  ClientCommandTest() : server_([this](const RecordedRequest& r) { return routes_.Answer(r); }) {}

  // Runs "pipegrid <args>" and returns the exit code main() would return.
  int Run(const std::vector<std::string>& args, bool tty = false) {
    CLI::App app{"pipegrid"};
    app.require_subcommand(1);
    int exit_code = -1;
    ClientEnv env;
    env.out = &out_;
    env.err = &err_;
    env.in = &in_;
    env.err_is_tty = tty;
    env.sleep = [this](Millis d) { sleeps_.push_back(d.count()); };
    env.user_config_path = user_config_;
    AddClientCommands(app, exit_code, env);
    try {
      ParseArgs(app, args);
    } catch (const CLI::ParseError& e) {
      return e.get_exit_code() == 0 ? 0 : 64;
    }
    return exit_code;
  }

  // Variables of the real environment must not leak into the tests.
  ScopedEnv no_server_{"PIPEGRID_SERVER", std::nullopt};
  ScopedEnv no_token_{"PIPEGRID_TOKEN", std::nullopt};
  ScopedEnv no_namespace_{"PIPEGRID_NAMESPACE", std::nullopt};
  ScopedEnv no_output_{"PIPEGRID_OUTPUT", std::nullopt};

  ::pipegrid::testing::TempDir dir_;
  std::string user_config_ = dir_.Sub("user-config.yaml");  // absent unless written
  Routes routes_;
  FakeHttpServer server_;
  std::ostringstream out_;
  std::ostringstream err_;
  std::istringstream in_;
  std::vector<int64_t> sleeps_;
};

}  // namespace pipegrid::cli::testing
