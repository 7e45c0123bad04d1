// workers, dlq list, dlq requeue.
#include "cli/command_support.h"

namespace pipegrid::cli {
namespace {

struct ListArgs {
  ClientFlags flags;
  int limit = 0;
  std::string after;
};

std::string PagedTarget(const std::string& path, const ListArgs& args) {
  Query query;
  if (args.limit > 0) query.Add("limit", std::to_string(args.limit));
  query.Add("after", args.after);
  return path + query.str();
}

void AddPagingFlags(CLI::App& cmd, ListArgs& args) {
  cmd.add_option("--limit", args.limit, "at most N items (server default 100)")
      ->check(CLI::Range(1, 1000));
  cmd.add_option("--after", args.after, "page token from a previous listing");
}

void AddWorkers(CLI::App& app, int& exit_code, const EnvPtr& env) {
  auto args = std::make_shared<ListArgs>();
  CLI::App* cmd = app.add_subcommand("workers", "List the workers of the fleet");
  AddPagingFlags(*cmd, *args);
  args->flags.AddTo(*cmd, {.output = true});
  cmd->callback([args, env, &exit_code] {
    exit_code =
        ShowResource(args->flags, *env, PagedTarget("/api/v1/workers", *args), RenderWorkerList);
  });
}

struct RequeueArgs {
  ClientFlags flags;
  std::string task_id;
};

void AddDeadLetters(CLI::App& app, int& exit_code, const EnvPtr& env) {
  CLI::App* dlq = app.add_subcommand("dlq", "Dead letters: tasks whose retries are used up");
  dlq->require_subcommand(1);

  auto list_args = std::make_shared<ListArgs>();
  CLI::App* list = dlq->add_subcommand("list", "List dead letters");
  AddPagingFlags(*list, *list_args);
  list_args->flags.AddTo(*list, {.output = true});
  list->callback([list_args, env, &exit_code] {
    exit_code = ShowResource(list_args->flags, *env, PagedTarget("/api/v1/deadletters", *list_args),
                             RenderDeadLetterList);
  });

  auto requeue_args = std::make_shared<RequeueArgs>();
  CLI::App* requeue =
      dlq->add_subcommand("requeue", "Give a dead-lettered task a fresh retry budget");
  requeue->add_option("TASK_ID", requeue_args->task_id, "task id (from dlq list)")->required();
  requeue_args->flags.AddTo(*requeue, {});
  requeue->callback([requeue_args, env, &exit_code] {
    exit_code = SendControl(requeue_args->flags, *env, "POST",
                            "/api/v1/deadletters/" + UrlEncode(requeue_args->task_id) + "/requeue",
                            "requeued task " + requeue_args->task_id);
  });
}

}  // namespace

void AddFleetCommands(CLI::App& app, int& exit_code, const EnvPtr& env) {
  AddWorkers(app, exit_code, env);
  AddDeadLetters(app, exit_code, env);
}

}  // namespace pipegrid::cli
