// Internal to src/cli: what the command groups share. Not thread-safe.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/client_session.h"
#include "cli/render.h"

namespace pipegrid::cli {

// Shared by every command's callback; lives as long as the app.
using EnvPtr = std::shared_ptr<const ClientEnv>;

void AddSubmitCommand(CLI::App& app, int& exit_code, const EnvPtr& env);
void AddJobCommands(CLI::App& app, int& exit_code, const EnvPtr& env);
void AddFleetCommands(CLI::App& app, int& exit_code, const EnvPtr& env);
void AddRunCommand(CLI::App& app, int& exit_code, const EnvPtr& env);
void AddOutputsCommand(CLI::App& app, int& exit_code, const EnvPtr& env);
void AddTokenCommand(CLI::App& app, int& exit_code, const EnvPtr& env);

// "/api/v1/jobs/<id>" with the id percent-encoded.
std::string JobPath(std::string_view job_id);

// Builds "?a=1&b=2" from the parameters given (empty values are left out).
class Query {
 public:
  Query& Add(std::string_view name, std::string_view value);
  // Values whose own '=' and ',' separate parts (label=k=v, state=A,B) keep
  // them literal; each part is encoded.
  Query& AddList(std::string_view name, std::string_view value);
  std::string str() const { return text_; }

 private:
  std::string text_;
};

// A 2xx body as JSON, or the exit code after reporting why it is not.
std::variant<Json, CallFailed> ParseBody(const Session& session, const HttpResponse& response,
                                         std::string_view target);

// GET `target` and print it: the server's JSON pretty-printed with -o json,
// else render(json). Returns the exit code.
int ShowResource(ClientFlags& flags, const ClientEnv& env, const std::string& target,
                 const std::function<std::string(const Json&)>& render);

// Sends a control request (POST/DELETE) and prints `done` on success.
int SendControl(ClientFlags& flags, const ClientEnv& env, std::string_view method,
                const std::string& target, const std::string& done);

}  // namespace pipegrid::cli
