// run [--on NAME] [--wait] -- CMD ARGS...: one command as a one-task job.
//
// With --wait the command waits in three phases, all on the calling thread:
// poll the job until its task has a first attempt (telling the user once per
// reason why it is still queued), follow that task's output from attempt 1 on
// until the task is finished, then read the job's final state for the exit
// code. Following only once an attempt exists costs at most one poll interval
// of latency and no output: the stream starts at the attempt's first byte.
#include "cli/run_command.h"

#include <algorithm>
#include <optional>
#include <ostream>
#include <variant>

#include "cli/command_support.h"
#include "cli/exit_codes.h"
#include "cli/job_wait.h"
#include "common/states.h"
#include "common/units.h"
#include "spec/names.h"

namespace pipegrid::cli {
namespace {

// Job names are at most this long (spec::IsValidJobName).
constexpr size_t kMaxJobNameLength = 253;

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Characters sh gives no meaning anywhere in a word. '=' (an assignment in
// the first word), '~' (tilde expansion) and '#' (a comment) are left out:
// they mean something at some positions.
bool IsBareShellChar(char c) {
  return IsAsciiAlnum(c) || c == '_' || c == '-' || c == '.' || c == '/' || c == ':' || c == ',' ||
         c == '+' || c == '@' || c == '%';
}

struct RunArgs {
  ClientFlags flags;
  std::vector<std::string> argv;
  std::string worker;
  std::string job_name;
  std::string timeout;
  bool wait = false;
};

const Json* RunTask(const Json& job) {
  for (const Json& task : FieldArray(job, "tasks")) {
    if (FieldText(task, "name") == kRunTaskName) return &task;
  }
  return nullptr;
}

bool JobFinished(const Json& job) {
  std::optional<JobState> state = ParseJobState(FieldText(job, "state"));
  return state && IsFinished(*state);
}

bool HasAttempt(const Json& job) {
  const Json* task = RunTask(job);
  return task != nullptr && !FieldArray(*task, "attempts").empty();
}

// Polls until the task has its first attempt or the job is finished. While
// the task is QUEUED with a reason (no worker matches --on, none is large
// enough, none is there), says so on stderr, once per distinct reason.
std::variant<Json, CallFailed> WaitForFirstAttempt(const Session& s, JobPoller& poller, Json job) {
  std::string told;
  while (!JobFinished(job) && !HasAttempt(job)) {
    if (const Json* task = RunTask(job);
        task != nullptr && FieldText(*task, "state") == Name(TaskState::kQueued)) {
      std::string reason = FieldText(*task, "reason");
      if (!reason.empty() && reason != told) {
        s.err() << "job " << FieldText(job, "id") << ": task " << kRunTaskName
                << " is queued: " << reason << "\n"
                << std::flush;
        told = reason;
      }
    }
    auto next = poller.Next();
    if (auto* failed = std::get_if<CallFailed>(&next)) return *failed;
    job = std::move(std::get<Json>(next));
  }
  return job;
}

// Copies the task's output, from attempt 1 on, to stdout as it is written,
// until the task is finished. Returns an exit code only when the server
// refuses the stream; a stream cut short (server restarting) is noted and
// the caller goes on waiting for the job.
std::optional<int> FollowOutput(const Session& s, const std::string& job_id) {
  std::string target = JobPath(job_id) + "/tasks/" + UrlEncode(kRunTaskName) + "/logs" +
                       Query().Add("attempt", "1").Add("follow", "true").str();
  Result<HttpResponse> response = s.http().StreamGet(
      target,
      [&s](std::string_view chunk) {
        s.out().write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        s.out().flush();
        return true;
      },
      {}, /*idle_timeout=*/Millis(0));  // output may pause for as long as the command likes
  if (!response.ok()) {
    s.err() << "warning: output stream ended early: " << response.status().message() << "\n";
    return std::nullopt;
  }
  if (int code = ExitCodeForHttpStatus(response->status); code != kExitOk) {
    s.err() << FormatApiError(*response) << "\n";
    return code;
  }
  s.out().flush();
  return std::nullopt;
}

// Stdout carries only the command's output, so the end of an unsuccessful
// job is told on stderr.
void ReportEnd(const Session& s, const Json& job) {
  std::string state = FieldText(job, "state");
  if (state == Name(JobState::kSucceeded)) return;
  std::string reason = FieldText(job, "reason");
  s.err() << "job " << FieldText(job, "id") << " " << state
          << (reason.empty() ? "" : " (" + reason + ")") << "\n";
  if (const Json* task = RunTask(job); task != nullptr) {
    std::string task_reason = FieldText(*task, "reason");
    if (!task_reason.empty() && task_reason != reason) {
      s.err() << "  task " << kRunTaskName << " " << FieldText(*task, "state") << ": "
              << task_reason << "\n";
    }
  }
}

// --wait after a successful submit: output, then the job's exit code.
int WaitForRun(const Session& s, Json job) {
  const std::string id = FieldText(job, "id");
  JobPoller poller(s, id);
  auto started = WaitForFirstAttempt(s, poller, std::move(job));
  if (auto* failed = std::get_if<CallFailed>(&started)) return failed->exit_code;
  job = std::move(std::get<Json>(started));
  // A job that ended before its task ran (cancelled, timed out while
  // queued) has no output to show.
  if (HasAttempt(job)) {
    if (std::optional<int> code = FollowOutput(s, id)) return *code;
    // The stream ends with the task; the job's end is committed with the
    // task's, so this read normally finds it finished.
    poller.ResetBackoff();
    auto next = poller.Next(/*sleep_first=*/false);
    if (auto* failed = std::get_if<CallFailed>(&next)) return failed->exit_code;
    job = std::move(std::get<Json>(next));
  }
  while (!JobFinished(job)) {
    auto next = poller.Next();
    if (auto* failed = std::get_if<CallFailed>(&next)) return failed->exit_code;
    job = std::move(std::get<Json>(next));
  }
  ReportEnd(s, job);
  return ExitCodeForJobState(*ParseJobState(FieldText(job, "state")));
}

int RunCommand(RunArgs& args, const ClientEnv& env) {
  RunJobOptions options;
  options.argv = args.argv;
  options.worker = args.worker;
  options.job_name = args.job_name.empty() ? DefaultRunJobName(args.argv) : args.job_name;
  // Checked here so that a typo is a usage error (64), not a rejection (3).
  if (!spec::IsValidJobName(options.job_name)) {
    return ReportStatus(env, InvalidArgument("invalid --name \"" + options.job_name +
                                             "\": use letters, digits, '_', '.' and '-', "
                                             "starting with a letter or digit"));
  }
  if (!args.timeout.empty()) {
    Result<Millis> timeout = ParseDuration(args.timeout);
    if (!timeout.ok()) {
      return ReportStatus(env, InvalidArgument("invalid --timeout: " + timeout.status().message()));
    }
    options.timeout = args.timeout;
  }

  auto session = Session::Open(args.flags, env);
  if (auto* failed = std::get_if<CallFailed>(&session)) return failed->exit_code;
  const Session& s = std::get<Session>(session);
  auto posted = PostJob(s, args.flags.ns(), RunJobSpec(options).dump(), "application/json");
  if (auto* failed = std::get_if<CallFailed>(&posted)) return failed->exit_code;
  Json& job = std::get<Json>(posted);
  if (!args.wait) {
    s.out() << FieldText(job, "id") << "\n" << std::flush;
    return kExitOk;
  }
  return WaitForRun(s, std::move(job));
}

}  // namespace

std::string ShellQuote(std::string_view arg) {
  if (!arg.empty() && std::all_of(arg.begin(), arg.end(), IsBareShellChar)) {
    return std::string(arg);
  }
  // Inside single quotes nothing is special but the closing quote itself,
  // so an embedded ' closes the quotes, adds an escaped ', and reopens.
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string ShellJoin(const std::vector<std::string>& argv) {
  std::string joined;
  for (const std::string& arg : argv) {
    if (!joined.empty()) joined += ' ';
    joined += ShellQuote(arg);
  }
  return joined;
}

std::string DefaultRunJobName(const std::vector<std::string>& argv) {
  std::string base = argv.empty() ? std::string() : argv.front();
  if (size_t slash = base.find_last_of('/'); slash != std::string::npos) {
    base = base.substr(slash + 1);
  }
  if (base.empty()) return "run";
  std::string name = "run-";
  for (char c : base) name += IsAsciiAlnum(c) || c == '_' || c == '.' || c == '-' ? c : '-';
  name.resize(std::min(name.size(), kMaxJobNameLength));
  return name;
}

Json RunJobSpec(const RunJobOptions& options) {
  Json task = {{"name", kRunTaskName},
               {"steps", Json::array({{{"commands", Json::array({ShellJoin(options.argv)})}}})}};
  if (!options.worker.empty()) task["nodeSelector"] = {{kWorkerNameLabel, options.worker}};
  Json spec = {{"tasks", Json::array({std::move(task)})}};
  if (!options.timeout.empty()) spec["timeout"] = options.timeout;
  return {{"apiVersion", "pipegrid/v1"},
          {"kind", "Job"},
          {"metadata", {{"name", options.job_name}}},
          {"spec", std::move(spec)}};
}

void AddRunCommand(CLI::App& app, int& exit_code, const EnvPtr& env) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run one command as a job (pipegrid run [--on NAME] [--wait] -- CMD ARGS...); "
      "prints its id");
  cmd->add_option("CMD", args->argv,
                  "the command and its arguments, after --; run as they are, without a shell")
      ->required();
  cmd->add_option("--on", args->worker, "run on the worker of this name")
      ->type_name("NAME")
      ->check(CLI::Validator(
          [](const std::string& v) { return v.empty() ? std::string("empty name") : ""; }, ""));
  cmd->add_flag("--wait", args->wait,
                "print the command's output as it runs; exit 0 succeeded, 1 failed, 2 cancelled");
  cmd->add_option("--name", args->job_name, "job name (default: run-<command>)")
      ->type_name("JOBNAME");
  cmd->add_option("--timeout", args->timeout, "fail the job after DUR, queued time included")
      ->type_name("DUR");
  args->flags.AddTo(*cmd, {.ns = true});
  cmd->callback([args, env, &exit_code] { exit_code = RunCommand(*args, *env); });
}

}  // namespace pipegrid::cli
