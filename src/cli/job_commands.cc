// jobs, get, logs, cancel, kill, retry, delete.
#include <ostream>
#include <vector>

#include "cli/command_support.h"
#include "cli/exit_codes.h"
#include "common/states.h"

namespace pipegrid::cli {
namespace {

std::vector<std::string> JobStateNames() {
  std::vector<std::string> names;
  for (JobState s : kAllJobStates) names.emplace_back(Name(s));
  return names;
}

struct ListJobsArgs {
  ClientFlags flags;
  std::vector<std::string> states;
  std::vector<std::string> labels;
  int limit = 0;
  std::string after;
};

void AddListJobs(CLI::App& app, int& exit_code, const EnvPtr& env) {
  auto args = std::make_shared<ListJobsArgs>();
  CLI::App* cmd = app.add_subcommand("jobs", "List jobs, newest first");
  cmd->add_option("--state", args->states, "only jobs in these states (S,S)")
      ->delimiter(',')
      ->transform(CLI::IsMember(JobStateNames(), CLI::ignore_case))
      ->type_name("STATE");
  cmd->add_option("--label", args->labels, "only jobs with this label (repeatable)")
      ->check(CLI::Validator(
          [](const std::string& v) {
            return v.find('=') == std::string::npos || v.front() == '='
                       ? std::string("expected key=value")
                       : std::string();
          },
          ""))
      ->type_name("K=V");
  cmd->add_option("--limit", args->limit, "at most N jobs (server default 100)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--after", args->after, "page token from a previous listing");
  args->flags.AddTo(*cmd, {.ns = true, .output = true});
  cmd->callback([args, env, &exit_code] {
    std::string states;
    for (const std::string& s : args->states) states += (states.empty() ? "" : ",") + s;
    Query query;
    query.AddList("state", states);
    for (const std::string& label : args->labels) query.AddList("label", label);
    query.Add("namespace", args->flags.ns());
    if (args->limit > 0) query.Add("limit", std::to_string(args->limit));
    query.Add("after", args->after);
    exit_code = ShowResource(args->flags, *env, "/api/v1/jobs" + query.str(), RenderJobList);
  });
}

struct JobArgs {
  ClientFlags flags;
  std::string id;
};

void AddGet(CLI::App& app, int& exit_code, const EnvPtr& env) {
  auto args = std::make_shared<JobArgs>();
  CLI::App* cmd = app.add_subcommand("get", "Show a job with its tasks and attempts");
  cmd->add_option("ID", args->id, "job id")->required();
  args->flags.AddTo(*cmd, {.output = true});
  cmd->callback([args, env, &exit_code] {
    exit_code = ShowResource(args->flags, *env, JobPath(args->id), RenderJob);
  });
}

struct LogsArgs {
  ClientFlags flags;
  std::string id;
  std::string task;
  int attempt = 0;
  bool follow = false;
};

int ShowLogs(LogsArgs& args, const ClientEnv& env) {
  auto session = Session::Open(args.flags, env);
  if (auto* failed = std::get_if<CallFailed>(&session)) return failed->exit_code;
  const Session& s = std::get<Session>(session);
  Query query;
  if (args.attempt > 0) query.Add("attempt", std::to_string(args.attempt));
  if (args.follow) query.Add("follow", "true");
  std::string target = JobPath(args.id) + "/tasks/" + UrlEncode(args.task) + "/logs" + query.str();
  // Followed logs last as long as the task: no idle limit then.
  Millis idle_timeout = args.follow ? Millis(0) : kDefaultHttpTimeout;
  Result<HttpResponse> response = s.http().StreamGet(
      target,
      [&s, follow = args.follow](std::string_view chunk) {
        s.out().write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        if (follow) s.out().flush();
        return true;
      },
      {}, idle_timeout);
  if (!response.ok()) return ReportStatus(env, response.status());
  if (int code = ExitCodeForHttpStatus(response->status); code != kExitOk) {
    s.err() << FormatApiError(*response) << "\n";
    return code;
  }
  s.out().flush();
  return kExitOk;
}

void AddLogs(CLI::App& app, int& exit_code, const EnvPtr& env) {
  auto args = std::make_shared<LogsArgs>();
  CLI::App* cmd = app.add_subcommand("logs", "Print a task's output (stdout and stderr merged)");
  cmd->add_option("ID", args->id, "job id")->required();
  cmd->add_option("TASK", args->task, "task name, e.g. fetch or ocr[0]")->required();
  cmd->add_option("--attempt", args->attempt, "attempt number (default: the latest)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("-f,--follow", args->follow, "stream until the task is finished");
  args->flags.AddTo(*cmd, {});
  cmd->callback([args, env, &exit_code] { exit_code = ShowLogs(*args, *env); });
}

// cancel, kill, retry and delete: one request on a job.
void AddJobControl(CLI::App& app, int& exit_code, const EnvPtr& env, const std::string& name,
                   const std::string& description, std::string method, std::string action,
                   std::string done_verb) {
  auto args = std::make_shared<JobArgs>();
  CLI::App* cmd = app.add_subcommand(name, description);
  cmd->add_option("ID", args->id, "job id")->required();
  args->flags.AddTo(*cmd, {});
  cmd->callback([args, env, &exit_code, method, action, done_verb] {
    std::string target = JobPath(args->id) + (action.empty() ? "" : "/" + action);
    exit_code = SendControl(args->flags, *env, method, target, done_verb + " job " + args->id);
  });
}

}  // namespace

void AddJobCommands(CLI::App& app, int& exit_code, const EnvPtr& env) {
  AddListJobs(app, exit_code, env);
  AddGet(app, exit_code, env);
  AddLogs(app, exit_code, env);
  AddJobControl(app, exit_code, env, "cancel",
                "Cancel a job: SIGTERM to its running steps, SIGKILL after a grace period", "POST",
                "cancel", "cancel requested for");
  AddJobControl(app, exit_code, env, "kill", "Kill a job's running steps at once (SIGKILL)", "POST",
                "kill", "kill requested for");
  AddJobControl(app, exit_code, env, "retry",
                "Requeue the failed, cancelled and skipped tasks of a finished job", "POST",
                "retry", "retrying");
  AddJobControl(app, exit_code, env, "delete", "Delete a finished job with its logs", "DELETE", "",
                "deleted");
}

}  // namespace pipegrid::cli
