// DESIGN §6 end to end: the first admin token made with `token create
// --data-dir`, a server started with --auth required, and every route asked
// with no token, a wrong one, a revoked one, one of too low a role and one of
// another namespace.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "e2e/e2e_support.h"

namespace pipegrid::e2e {
namespace {

using nlohmann::json;
using pipegrid::testing::TempDir;
using std::chrono::steady_clock;

// A well-formed secret that no token has.
constexpr char kWrongSecret[] = "pgt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

std::string CreateToken(const std::string& data_dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"token", "create", "--data-dir", data_dir};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult made = RunCli(argv);
  EXPECT_EQ(made.exit_code, 0) << made.err;
  // The token alone, on one line of stdout.
  EXPECT_EQ(made.out.find('\n'), made.out.size() - 1) << made.out;
  return made.out.substr(0, made.out.find('\n'));
}

class AuthE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.Sub("data");
    admin_ = CreateToken(data_, {"--role", "admin"});
    server_.emplace(data_, std::vector<std::string>{"--auth", "required"});
    ASSERT_TRUE(server_->ready());
    view_a_ = CreateToken(data_, {"--role", "view", "--namespaces", "team-a"});
    submit_a_ = CreateToken(data_, {"--role", "submit", "--namespaces", "team-a,team-c"});
    submit_b_ = CreateToken(data_, {"--role", "submit", "--namespaces", "team-b"});
    view_all_ = CreateToken(data_, {"--role", "view", "--namespaces", "*"});
    revoked_ = CreateToken(data_, {"--role", "admin"});
    CommandResult revoke = RunCli({"token", "revoke", "--data-dir", data_, revoked_});
    ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  }

  cli::HttpResponse Ask(const std::string& token, const std::string& method,
                        const std::string& target, const std::string& body = "") {
    auto client = cli::HttpClient::Create(server_->url(), token);
    EXPECT_TRUE(client.ok());
    auto r = client->Request(method, target, body, body.empty() ? "" : "application/yaml");
    EXPECT_TRUE(r.ok()) << method << " " << target << ": " << r.status().ToString();
    return r.ok() ? *r : cli::HttpResponse{};
  }

  // A finished, failed job in team-a (its task dead-lettered): its id.
  std::string FailedJob(const std::string& name) {
    auto r = Ask(submit_a_, "POST", "/api/v1/jobs",
                 "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: " + name +
                     ", namespace: team-a, externalId: " + name +
                     "}\nspec:\n  tasks:\n    - name: main\n      steps: [{commands: "
                     "[\"echo hi; exit 1\"]}]\n");
    EXPECT_EQ(r.status, 201) << r.body;
    std::string id = json::parse(r.body, nullptr, false).value("id", "");
    // A followed job's events end when the job is finished: that is the wait.
    auto followed = Ask(admin_, "GET", "/api/v1/jobs/" + id + "/events?follow=true");
    EXPECT_EQ(followed.status, 200);
    auto got = json::parse(Ask(admin_, "GET", "/api/v1/jobs/" + id).body, nullptr, false);
    EXPECT_EQ(got.value("state", ""), "FAILED") << got.dump();
    return id;
  }

  TempDir dir_;
  std::string data_;
  std::optional<Server> server_;
  std::string admin_, view_a_, submit_a_, submit_b_, view_all_, revoked_;
};

// One route as a user calls it, and who may.
struct Case {
  std::string method;
  std::string target;
  std::string body;
  enum Need { kPublic, kView, kViewAll, kSubmit, kAdmin } need;
  bool namespaced;        // in team-a: another namespace's token gets 404
  std::set<int> allowed;  // what a token that may call it gets
};

TEST_F(AuthE2E, EveryRouteAnswersEachKindOfTokenAsDesigned) {
  const std::string job = FailedJob("matrix");
  const std::string doomed = FailedJob("doomed");  // deleted at the end
  auto letters = json::parse(Ask(admin_, "GET", "/api/v1/deadletters").body, nullptr, false);
  std::string letter;
  for (const json& d : letters["items"]) {
    if (d.value("jobId", "") == job) letter = d.value("taskId", "");
  }
  ASSERT_FALSE(letter.empty()) << letters.dump();
  std::string other_token_id;
  const std::string tokens = Ask(admin_, "GET", "/api/v1/tokens").body;
  const json token_list = json::parse(tokens);
  for (const json& t : token_list["items"]) {
    if (t.value("role", "") == "view") other_token_id = t.value("id", "");
  }
  ASSERT_FALSE(other_token_id.empty()) << tokens;
  const std::string j = "/api/v1/jobs/" + job;
  const std::string spec =
      "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: new, namespace: team-a}\n"
      "spec:\n  tasks:\n    - name: t\n      steps: [{commands: [\"true\"]}]\n";

  // Mutating routes last, each after its refusals (a refused call changes
  // nothing): requeue before retry, delete of the other job at the very end.
  const std::vector<Case> cases = {
      {"GET", "/healthz", "", Case::kPublic, false, {200}},
      {"GET", "/readyz", "", Case::kPublic, false, {200}},
      {"GET", "/", "", Case::kPublic, false, {200}},
      {"GET", "/api/v1/openapi.json", "", Case::kView, false, {200}},
      {"GET", "/api/v1/jobs?namespace=team-a", "", Case::kView, true, {200}},
      {"GET", j, "", Case::kView, true, {200}},
      {"GET", "/api/v1/jobs/by-external-id/matrix?namespace=team-a", "", Case::kView, true, {200}},
      {"GET", j + "/events", "", Case::kView, true, {200}},
      {"GET", j + "/tasks/main/logs", "", Case::kView, true, {200}},
      {"GET", j + "/tasks/main/outputs", "", Case::kView, true, {200}},
      // Not in the (empty) manifest: 404 for its owner too, after the auth checks.
      {"GET", j + "/tasks/main/outputs/x.txt", "", Case::kView, true, {404}},
      {"GET", "/api/v1/deadletters?namespace=team-a", "", Case::kView, true, {200}},
      {"GET", "/api/v1/events", "", Case::kViewAll, false, {200}},
      {"GET", "/metrics", "", Case::kViewAll, false, {200}},
      {"GET", "/api/v1/workers", "", Case::kAdmin, false, {200}},
      {"POST", "/api/v1/workers/no-such-worker/drain", "", Case::kAdmin, false, {404}},
      {"GET", "/api/v1/tokens", "", Case::kAdmin, false, {200}},
      {"POST", "/api/v1/tokens", "", Case::kAdmin, false, {400}},  // no body: refused, nothing made
      {"POST", "/api/v1/jobs", spec, Case::kSubmit, true, {201}},
      {"POST", "/api/v1/deadletters/" + letter + "/requeue", "", Case::kSubmit, true, {202}},
      {"POST", j + "/cancel", "", Case::kSubmit, true, {202, 409}},
      {"POST", j + "/kill", "", Case::kSubmit, true, {202, 409}},
      {"POST", j + "/retry", "", Case::kSubmit, true, {202, 409}},
      {"DELETE", "/api/v1/jobs/" + doomed, "", Case::kSubmit, true, {204}},
      {"DELETE", "/api/v1/tokens/" + other_token_id, "", Case::kAdmin, false, {204}},
  };

  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target);
    if (c.need == Case::kPublic) {
      for (const std::string& t : {std::string(), std::string(kWrongSecret), revoked_}) {
        EXPECT_TRUE(c.allowed.count(Ask(t, c.method, c.target, c.body).status));
      }
      continue;
    }
    // No token, an unknown one, a revoked one: 401 and the challenge.
    for (const std::string& t : {std::string(), std::string(kWrongSecret), revoked_}) {
      auto r = Ask(t, c.method, c.target, c.body);
      EXPECT_EQ(r.status, 401) << r.body;
      EXPECT_NE(r.www_authenticate.find("Bearer"), std::string::npos);
    }
    // Too low a role: 403. view_a_ is below submit and admin; view of one
    // namespace is below "every namespace".
    if (c.need != Case::kView) {
      EXPECT_EQ(Ask(view_a_, c.method, c.target, c.body).status, 403);
    }
    if (c.need == Case::kAdmin) {
      EXPECT_EQ(Ask(submit_a_, c.method, c.target, c.body).status, 403);
    }
    // Another namespace with the role it needs: as if the job did not exist.
    if (c.namespaced) {
      auto r = Ask(submit_b_, c.method, c.target, c.body);
      EXPECT_EQ(r.status, 404) << r.body;
      EXPECT_EQ(json::parse(r.body, nullptr, false)["error"]["code"], "NOT_FOUND") << r.body;
    }
    // Allowed: the route's own answer.
    std::string allowed = c.need == Case::kAdmin     ? admin_
                          : c.need == Case::kViewAll ? view_all_
                          : c.need == Case::kSubmit  ? submit_a_
                                                     : view_a_;
    auto r = Ask(allowed, c.method, c.target, c.body);
    EXPECT_TRUE(c.allowed.count(r.status)) << r.status << " " << r.body;
  }
}

TEST_F(AuthE2E, ListsShowOnlyTheTokensNamespaces) {
  FailedJob("mine");
  auto mine = json::parse(Ask(view_a_, "GET", "/api/v1/jobs").body);
  ASSERT_EQ(mine["items"].size(), 1u) << mine.dump();
  EXPECT_EQ(mine["items"][0]["namespace"], "team-a");
  auto theirs = json::parse(Ask(submit_b_, "GET", "/api/v1/jobs").body);
  EXPECT_EQ(theirs["items"].size(), 0u) << theirs.dump();
  EXPECT_EQ(json::parse(Ask(submit_b_, "GET", "/api/v1/deadletters").body)["items"].size(), 0u);
  EXPECT_EQ(json::parse(Ask(view_a_, "GET", "/api/v1/deadletters").body)["items"].size(), 1u);
  // A submit into a namespace the token doesn't hold.
  auto r = Ask(submit_b_, "POST", "/api/v1/jobs",
               "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: x, namespace: team-a}\n"
               "spec:\n  tasks:\n    - name: t\n      steps: [{commands: [\"true\"]}]\n");
  EXPECT_EQ(r.status, 404) << r.body;
}

TEST_F(AuthE2E, RevokeTakesEffectWithinASecondHoweverItWasMade) {
  // Used once, so the verifier has it cached as good.
  ASSERT_EQ(Ask(view_all_, "GET", "/metrics").status, 200);
  ASSERT_EQ(Ask(submit_a_, "GET", "/api/v1/jobs").status, 200);

  // By the API, naming the token by its secret...
  auto revoke = Ask(admin_, "DELETE", "/api/v1/tokens/" + view_all_);
  ASSERT_EQ(revoke.status, 204) << revoke.body;
  // ... and by the CLI on the store, while the master runs.
  CommandResult cli = RunCli({"token", "revoke", "--data-dir", data_, submit_a_});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;

  auto start = steady_clock::now();
  for (const auto& [token, target] : {std::pair{view_all_, std::string("/metrics")},
                                      std::pair{submit_a_, std::string("/api/v1/jobs")}}) {
    int status = 0;
    // Bounded: 2 s at most, a request at a time.
    while (steady_clock::now() - start < std::chrono::seconds(2)) {
      status = Ask(token, "GET", target).status;
      if (status == 401) break;
    }
    EXPECT_EQ(status, 401);
  }
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(1));
  // The list shows both revoked, and never a secret.
  std::string list = Ask(admin_, "GET", "/api/v1/tokens").body;
  EXPECT_EQ(list.find("pgt_"), std::string::npos) << list;
  int revoked = 0;
  const json listed = json::parse(list);
  for (const json& t : listed["items"]) revoked += t["revokedAt"].is_string();
  EXPECT_EQ(revoked, 3);  // these two and the one SetUp revoked
}

TEST_F(AuthE2E, TheCliSendsTheTokenFromItsEnvironment) {
  CommandResult denied = RunCli({"jobs", "--server", server_->url()});
  EXPECT_EQ(denied.exit_code, 3);
  EXPECT_NE(denied.err.find("bearer token"), std::string::npos) << denied.err;
  // PIPEGRID_TOKEN, as a user exports it (the child inherits it).
  ::setenv("PIPEGRID_TOKEN", admin_.c_str(), 1);
  CommandResult listed = RunCli({"workers", "--server", server_->url()});
  ::unsetenv("PIPEGRID_TOKEN");
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  // --token.
  auto made = RunCli({"token", "create", "--role", "view", "--namespaces", "team-a", "--server",
                      server_->url(), "--token", admin_});
  EXPECT_EQ(made.exit_code, 0) << made.err;
  EXPECT_EQ(made.out.rfind("pgt_", 0), 0u) << made.out;
}

TEST(AuthModeE2E, OpenIsRefusedWhenAListenerIsNotOnLoopback) {
  TempDir dir;
  // Refused before anything is bound.
  CommandResult r = RunCli({"up", "--data-dir", dir.Sub("data"), "--http", "0.0.0.0:0", "--auth",
                            "open", "--grpc", ""});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--auth open needs every listener on loopback"), std::string::npos)
      << r.err;
}

TEST(AuthModeE2E, LoopbackUpStaysOpenByDefaultAndSaysSo) {
  TempDir dir;
  Server server(dir.Sub("data"));
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.Call("GET", "/api/v1/jobs").status, 200);
  // Making a token never changes the mode.
  std::string token = CreateToken(dir.Sub("data"), {"--role", "admin"});
  EXPECT_FALSE(token.empty());
  EXPECT_EQ(server.Call("GET", "/api/v1/jobs").status, 200);
}

}  // namespace
}  // namespace pipegrid::e2e
