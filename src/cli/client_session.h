// What every client command shares: where it writes, the flags naming the
// server, the user's config file, and one call to the API with the error
// reporting and exit codes of DESIGN §7.
//
// Not thread-safe: a command runs on the thread that parses the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "cli/http_client.h"
#include "common/clock.h"
#include "common/status.h"

namespace pipegrid::cli {

// The process around a command, injected so tests can drive commands without
// a terminal, real stdio or real waiting.
struct ClientEnv {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  std::istream* in = nullptr;
  bool err_is_tty = false;                      // draw a progress line on `err`
  std::function<void(Millis)> sleep;            // between polls of `submit --wait`
  std::optional<std::string> user_config_path;  // unset: UserConfigPath()

  // std::cout/cerr/cin, isatty(2), a real sleep.
  static ClientEnv Process();
};

inline constexpr char kDefaultServer[] = "http://127.0.0.1:8080";

// $XDG_CONFIG_HOME/pipegrid/config.yaml, or ~/.config/pipegrid/config.yaml
// when XDG_CONFIG_HOME is unset or empty. Empty when neither is known.
std::string UserConfigPath();

// The user's defaults for every client command. Keys: server, token, namespace.
struct UserConfig {
  std::optional<std::string> server;
  std::optional<std::string> token;
  std::optional<std::string> ns;
};

// A missing file is an empty config. An unreadable or invalid file, or an
// unknown key, is InvalidArgument naming the file (and the key).
[[nodiscard]] Result<UserConfig> LoadUserConfig(const std::string& path);

// --server, --token and optionally --namespace and -o/--output, each also
// read from PIPEGRID_<FLAG>. Values not given by flag or environment come
// from the user config, then the defaults.
class ClientFlags {
 public:
  struct Features {
    bool ns = false;
    bool output = false;
  };
  // Registers the flags on `cmd`; `this` must outlive its parsing.
  void AddTo(CLI::App& cmd, Features features);
  // Fills what neither flag nor environment set from the user config.
  [[nodiscard]] Status Resolve(const ClientEnv& env);

  const std::string& server() const { return server_; }
  const std::string& token() const { return token_; }
  const std::string& ns() const { return ns_; }
  bool json_output() const { return output_ == "json"; }

 private:
  std::string server_ = kDefaultServer;
  std::string token_;
  std::string ns_;
  std::string output_ = "table";
  CLI::Option* server_opt_ = nullptr;
  CLI::Option* token_opt_ = nullptr;
  CLI::Option* ns_opt_ = nullptr;
};

// A non-2xx answer or a transport error, already reported on `err`.
struct CallFailed {
  int exit_code;
};

// One command's connection to the server.
class Session {
 public:
  // Resolves `flags` and builds the client. On error, reports it and returns
  // the exit code (64 for a bad URL or user config).
  static std::variant<Session, CallFailed> Open(ClientFlags& flags, const ClientEnv& env);

  const ClientEnv& env() const { return env_; }
  const HttpClient& http() const { return http_; }
  std::ostream& out() const { return *env_.out; }
  std::ostream& err() const { return *env_.err; }

  // Sends one API request. A 2xx answer is returned; otherwise the error has
  // been printed ("error: ...") and the exit code is returned (3 or 4).
  std::variant<HttpResponse, CallFailed> Call(std::string_view method, std::string_view target,
                                              std::string_view body = {},
                                              std::string_view content_type = {}) const;

  // Reports a 2xx answer whose body is not the JSON the contract promises.
  int BadAnswer(std::string_view target, std::string_view why) const;

 private:
  Session(const ClientEnv& env, HttpClient http) : env_(env), http_(std::move(http)) {}

  const ClientEnv& env_;
  HttpClient http_;
};

// Reports a failed transport call and returns its exit code.
int ReportStatus(const ClientEnv& env, const Status& status);

}  // namespace pipegrid::cli
