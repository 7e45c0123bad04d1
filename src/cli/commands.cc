#include "cli/commands.h"

#include <ostream>

#include "cli/command_support.h"
#include "cli/exit_codes.h"

namespace pipegrid::cli {

void AddClientCommands(CLI::App& app, int& exit_code) {
  AddClientCommands(app, exit_code, ClientEnv::Process());
}

void AddClientCommands(CLI::App& app, int& exit_code, ClientEnv env) {
  PG_CHECK(env.out != nullptr && env.err != nullptr && env.in != nullptr && env.sleep);
  auto shared_env = std::make_shared<const ClientEnv>(std::move(env));
  AddSubmitCommand(app, exit_code, shared_env);
  AddJobCommands(app, exit_code, shared_env);
  AddFleetCommands(app, exit_code, shared_env);
  AddRunCommand(app, exit_code, shared_env);
  AddOutputsCommand(app, exit_code, shared_env);
  AddTokenCommand(app, exit_code, shared_env);
}

std::string JobPath(std::string_view job_id) { return "/api/v1/jobs/" + UrlEncode(job_id); }

Query& Query::Add(std::string_view name, std::string_view value) {
  if (value.empty()) return *this;
  text_ += text_.empty() ? '?' : '&';
  text_ += UrlEncode(name) + "=" + UrlEncode(value);
  return *this;
}

Query& Query::AddList(std::string_view name, std::string_view value) {
  if (value.empty()) return *this;
  text_ += text_.empty() ? '?' : '&';
  text_ += UrlEncode(name) + "=";
  for (char c : value) text_ += (c == '=' || c == ',') ? std::string(1, c) : UrlEncode({&c, 1});
  return *this;
}

std::variant<Json, CallFailed> ParseBody(const Session& session, const HttpResponse& response,
                                         std::string_view target) {
  Json json = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return CallFailed{session.BadAnswer(target, "not a JSON object")};
  }
  return json;
}

int ShowResource(ClientFlags& flags, const ClientEnv& env, const std::string& target,
                 const std::function<std::string(const Json&)>& render) {
  auto session = Session::Open(flags, env);
  if (auto* failed = std::get_if<CallFailed>(&session)) return failed->exit_code;
  const Session& s = std::get<Session>(session);
  auto response = s.Call("GET", target);
  if (auto* failed = std::get_if<CallFailed>(&response)) return failed->exit_code;
  auto json = ParseBody(s, std::get<HttpResponse>(response), target);
  if (auto* failed = std::get_if<CallFailed>(&json)) return failed->exit_code;
  const Json& value = std::get<Json>(json);
  if (flags.json_output()) {
    s.out() << value.dump(2) << "\n";
    return kExitOk;
  }
  s.out() << render(value);
  // A list page: say how to get the next one, on stderr so piping the table
  // stays clean.
  if (std::string token = FieldText(value, "nextPageToken"); !token.empty()) {
    s.err() << "more results: repeat with --after " << token << "\n";
  }
  return kExitOk;
}

int SendControl(ClientFlags& flags, const ClientEnv& env, std::string_view method,
                const std::string& target, const std::string& done) {
  auto session = Session::Open(flags, env);
  if (auto* failed = std::get_if<CallFailed>(&session)) return failed->exit_code;
  const Session& s = std::get<Session>(session);
  auto response = s.Call(method, target);
  if (auto* failed = std::get_if<CallFailed>(&response)) return failed->exit_code;
  // The server answers with the resource when it has one (a Job); its state
  // tells whether the request already took effect.
  Json body = Json::parse(std::get<HttpResponse>(response).body, nullptr, false);
  std::string state = FieldText(body, "state");
  s.out() << done << (state.empty() ? "" : " (" + state + ")") << "\n";
  return kExitOk;
}

}  // namespace pipegrid::cli
