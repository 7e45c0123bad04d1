// pipegrid token create|list|revoke (DESIGN §6). With --data-dir the command
// works on the store file itself - how the first admin token is made, and it
// works while the master runs (SQLite serialises the two writers); otherwise
// it calls /api/v1/tokens with an admin token.
#include <filesystem>
#include <iostream>

#include "auth/token_admin.h"
#include "cli/command_support.h"
#include "cli/exit_codes.h"
#include "store/sqlite/sqlite_store.h"

namespace pipegrid::cli {
namespace {

struct TokenArgs {
  ClientFlags flags;
  std::string data_dir;
  // create
  std::string role;
  std::vector<std::string> namespaces;
  std::string name;
  // revoke
  std::string which;
};

void AddDataDirFlag(CLI::App& cmd, TokenArgs& args) {
  cmd.add_option("--data-dir", args.data_dir,
                 "Work on the store in this data directory directly (no server needed)");
}

// The store of --data-dir, created if missing so the first admin token can
// be made before the first start.
Result<std::unique_ptr<store::Store>> OpenDataDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return InvalidArgument("cannot create --data-dir " + dir + ": " + ec.message());
  return store::OpenSqliteStore(dir + "/pipegrid.db");
}

int Report(const ClientEnv& env, const Status& s) {
  *env.err << "error: " << s.message() << "\n";
  return s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitUnavailable;
}

int CreateLocal(const TokenArgs& args, const ClientEnv& env) {
  auto store = OpenDataDir(args.data_dir);
  if (!store.ok()) return Report(env, store.status());
  auto made = auth::CreateToken(**store, args.role, args.namespaces, args.name,
                                SystemClock::Instance().Wall());
  if (!made.ok()) return Report(env, made.status());
  *env.out << made->secret << "\n";
  *env.err << "token " << made->record.id << " (" << args.role
           << "): keep it safe, it is not shown again\n";
  return kExitOk;
}

int CreateRemote(TokenArgs& args, const ClientEnv& env) {
  auto session = Session::Open(args.flags, env);
  if (auto* failed = std::get_if<CallFailed>(&session)) return failed->exit_code;
  const Session& s = std::get<Session>(session);
  Json body = {{"role", args.role}, {"namespaces", args.namespaces}};
  if (!args.name.empty()) body["name"] = args.name;
  const std::string target = "/api/v1/tokens";
  auto response = s.Call("POST", target, body.dump(), "application/json");
  if (auto* failed = std::get_if<CallFailed>(&response)) return failed->exit_code;
  auto json = ParseBody(s, std::get<HttpResponse>(response), target);
  if (auto* failed = std::get_if<CallFailed>(&json)) return failed->exit_code;
  std::string secret = FieldText(std::get<Json>(json), "token");
  if (secret.empty()) return s.BadAnswer(target, "no token in the answer");
  s.out() << secret << "\n";
  s.err() << "token " << FieldText(std::get<Json>(json), "id") << " (" << args.role
          << "): keep it safe, it is not shown again\n";
  return kExitOk;
}

int ListLocal(const TokenArgs& args, const ClientEnv& env) {
  auto store = OpenDataDir(args.data_dir);
  if (!store.ok()) return Report(env, store.status());
  auto tokens = (*store)->ListTokens();
  if (!tokens.ok()) return Report(env, tokens.status());
  Json page = {{"items", Json::array()}, {"nextPageToken", nullptr}};
  for (const store::TokenRecord& t : *tokens) page["items"].push_back(auth::TokenJson(t));
  *env.out << (args.flags.json_output() ? page.dump(2) + "\n" : RenderTokenList(page));
  return kExitOk;
}

int RevokeLocal(const TokenArgs& args, const ClientEnv& env) {
  auto store = OpenDataDir(args.data_dir);
  if (!store.ok()) return Report(env, store.status());
  auto id = auth::RevokeToken(**store, args.which, SystemClock::Instance().Wall());
  if (!id.ok()) return Report(env, id.status());
  *env.out << "revoked token " << *id << "\n";
  return kExitOk;
}

}  // namespace

void AddTokenCommand(CLI::App& app, int& exit_code, const EnvPtr& env) {
  CLI::App* token = app.add_subcommand("token", "API tokens: create, list, revoke (DESIGN §6)");
  token->require_subcommand(1);

  auto create_args = std::make_shared<TokenArgs>();
  CLI::App* create =
      token->add_subcommand("create", "Make a token; prints it alone, once, on stdout");
  create->add_option("--role", create_args->role, "admin, submit or view")
      ->required()
      ->check(CLI::IsMember({"admin", "submit", "view"}));
  create->add_option("--namespaces", create_args->namespaces,
                     "Namespaces it may use: a,b (* for all; admin tokens have all)")
      ->delimiter(',');
  create->add_option("--name", create_args->name, "What it is for (shown by token list)");
  AddDataDirFlag(*create, *create_args);
  create_args->flags.AddTo(*create, {});
  create->callback([create_args, env, &exit_code] {
    exit_code = create_args->data_dir.empty() ? CreateRemote(*create_args, *env)
                                              : CreateLocal(*create_args, *env);
  });

  auto list_args = std::make_shared<TokenArgs>();
  CLI::App* list = token->add_subcommand("list", "List tokens: ids, roles, namespaces; no secrets");
  AddDataDirFlag(*list, *list_args);
  list_args->flags.AddTo(*list, {.output = true});
  list->callback([list_args, env, &exit_code] {
    exit_code = list_args->data_dir.empty()
                    ? ShowResource(list_args->flags, *env, "/api/v1/tokens", RenderTokenList)
                    : ListLocal(*list_args, *env);
  });

  auto revoke_args = std::make_shared<TokenArgs>();
  CLI::App* revoke =
      token->add_subcommand("revoke", "Revoke a token by id or by its secret (within a second)");
  revoke->add_option("TOKEN", revoke_args->which, "tok_… id, or the pgt_… secret")->required();
  AddDataDirFlag(*revoke, *revoke_args);
  revoke_args->flags.AddTo(*revoke, {});
  revoke->callback([revoke_args, env, &exit_code] {
    exit_code = revoke_args->data_dir.empty()
                    ? SendControl(revoke_args->flags, *env, "DELETE",
                                  "/api/v1/tokens/" + UrlEncode(revoke_args->which),
                                  "revoked token " + revoke_args->which)
                    : RevokeLocal(*revoke_args, *env);
  });
}

}  // namespace pipegrid::cli
