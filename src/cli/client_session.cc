#include "cli/client_session.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/exit_codes.h"
#include "cli/flag_config.h"

namespace pipegrid::cli {
namespace {

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

ClientEnv ClientEnv::Process() {
  ClientEnv env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.in = &std::cin;
  env.err_is_tty = isatty(STDERR_FILENO) == 1;
  // A command-line client polling a server: a plain sleep is what it needs.
  env.sleep = [](Millis d) { std::this_thread::sleep_for(d); };
  return env;
}

std::string UserConfigPath() {
  std::filesystem::path base;
  if (std::string xdg = Getenv("XDG_CONFIG_HOME"); !xdg.empty()) {
    base = xdg;
  } else if (std::string home = Getenv("HOME"); !home.empty()) {
    base = std::filesystem::path(home) / ".config";
  } else {
    return {};
  }
  return (base / "pipegrid" / "config.yaml").string();
}

Result<UserConfig> LoadUserConfig(const std::string& path) {
  UserConfig config;
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) return config;
  PG_ASSIGN_OR_RETURN(std::vector<FlagConfigEntry> entries, ReadFlagConfigFile(path));
  for (const FlagConfigEntry& entry : entries) {
    std::optional<std::string>* slot = entry.key == "server"      ? &config.server
                                       : entry.key == "token"     ? &config.token
                                       : entry.key == "namespace" ? &config.ns
                                                                  : nullptr;
    if (slot == nullptr) {
      return InvalidArgument("config file " + path + ": unknown key \"" + entry.key +
                             "\" (expected server, token or namespace)");
    }
    if (entry.is_list) {
      return InvalidArgument("config file " + path + ": key \"" + entry.key +
                             "\" takes one value, not a list");
    }
    *slot = entry.values.front();
  }
  return config;
}

void ClientFlags::AddTo(CLI::App& cmd, Features features) {
  server_opt_ = cmd.add_option("--server", server_, "pipegrid server URL")
                    ->envname("PIPEGRID_SERVER")
                    ->type_name("URL")
                    ->capture_default_str();
  token_opt_ = cmd.add_option("--token", token_, "API bearer token")
                   ->envname("PIPEGRID_TOKEN")
                   ->type_name("TOKEN");
  if (features.ns) {
    ns_opt_ = cmd.add_option("-n,--namespace", ns_, "namespace")
                  ->envname("PIPEGRID_NAMESPACE")
                  ->type_name("NS");
  }
  if (features.output) {
    cmd.add_option("-o,--output", output_, "output format")
        ->envname("PIPEGRID_OUTPUT")
        ->transform(CLI::IsMember({"table", "json"}, CLI::ignore_case))
        ->capture_default_str();
  }
}

Status ClientFlags::Resolve(const ClientEnv& env) {
  std::string path = env.user_config_path ? *env.user_config_path : UserConfigPath();
  PG_ASSIGN_OR_RETURN(UserConfig config, LoadUserConfig(path));
  // count() counts values from the command line and from the environment:
  // both outrank the user's file.
  if (server_opt_ != nullptr && server_opt_->count() == 0 && config.server) {
    server_ = *config.server;
  }
  if (token_opt_ != nullptr && token_opt_->count() == 0 && config.token) token_ = *config.token;
  if (ns_opt_ != nullptr && ns_opt_->count() == 0 && config.ns) ns_ = *config.ns;
  return Status::Ok();
}

int ReportStatus(const ClientEnv& env, const Status& status) {
  *env.err << "error: " << status.message() << "\n";
  return ExitCodeForStatus(status);
}

std::variant<Session, CallFailed> Session::Open(ClientFlags& flags, const ClientEnv& env) {
  if (Status s = flags.Resolve(env); !s.ok()) return CallFailed{ReportStatus(env, s)};
  Result<HttpClient> http = HttpClient::Create(flags.server(), flags.token());
  if (!http.ok()) return CallFailed{ReportStatus(env, http.status())};
  return Session(env, std::move(http).value());
}

std::variant<HttpResponse, CallFailed> Session::Call(std::string_view method,
                                                     std::string_view target, std::string_view body,
                                                     std::string_view content_type) const {
  Result<HttpResponse> response = http_.Request(method, target, body, content_type);
  if (!response.ok()) return CallFailed{ReportStatus(env_, response.status())};
  int code = ExitCodeForHttpStatus(response->status);
  if (code != kExitOk) {
    err() << FormatApiError(*response) << "\n";
    return CallFailed{code};
  }
  return std::move(response).value();
}

int Session::BadAnswer(std::string_view target, std::string_view why) const {
  err() << "error: unexpected answer from " << http_.base_url().ToString() << target << ": " << why
        << "\n";
  return kExitUnavailable;
}

}  // namespace pipegrid::cli
