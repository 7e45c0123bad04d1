// submit FILE [--wait]: send a job spec, optionally wait for the job's end.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include "cli/command_support.h"
#include "cli/exit_codes.h"
#include "cli/job_wait.h"
#include "common/states.h"

namespace pipegrid::cli {
namespace {

struct SubmitArgs {
  ClientFlags flags;
  std::string file;
  bool wait = false;
};

std::string ContentTypeFor(const std::string& file) {
  std::string lower = file;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.ends_with(".json") ? "application/json" : "application/yaml";
}

Result<std::string> ReadSpec(const std::string& file, std::istream& in) {
  std::ostringstream text;
  if (file == "-") {
    text << in.rdbuf();
    return text.str();
  }
  std::ifstream stream(file, std::ios::binary);
  if (!stream) return InvalidArgument("cannot read " + file + ": " + std::strerror(errno));
  text << stream.rdbuf();
  if (stream.bad()) return InvalidArgument("cannot read " + file);
  return text.str();
}

class ProgressLineWriter {
 public:
  explicit ProgressLineWriter(const ClientEnv& env) : env_(env) {}
  // Redraws the one progress line in place ("\x1b[K" clears leftovers of a
  // longer previous line).
  void Draw(const Json& job) {
    if (!env_.err_is_tty) return;
    *env_.err << "\r " << ProgressLine(job) << "\x1b[K" << std::flush;
    drawn_ = true;
  }
  // Ends the line so later output starts on a fresh one.
  void Finish() {
    if (drawn_) *env_.err << "\n" << std::flush;
    drawn_ = false;
  }

 private:
  const ClientEnv& env_;
  bool drawn_ = false;
};

void PrintOutcome(const Session& s, const Json& job) {
  std::string name = FieldText(job, "name");
  std::string reason = FieldText(job, "reason");
  s.out() << "job " << (name.empty() ? FieldText(job, "id") : name) << " "
          << FieldText(job, "state") << (reason.empty() ? "" : " (" + reason + ")") << "\n";
  for (const Json& task : FieldArray(job, "tasks")) {
    if (FieldText(task, "state") != Name(TaskState::kFailed)) continue;
    std::string task_reason = FieldText(task, "reason");
    s.out() << "  task " << FieldText(task, "name") << " FAILED"
            << (task_reason.empty() ? "" : ": " + task_reason) << "\n";
  }
}

// Polls the job until it is finished; returns the exit code of its state.
int WaitForJob(const Session& s, Json job) {
  ProgressLineWriter progress(s.env());
  // The line is redrawn before every sleep, and ended before an error is
  // told so that the error starts a line of its own.
  JobPoller poller(s, FieldText(job, "id"),
                   {.before_sleep = [&progress, &job] { progress.Draw(job); },
                    .before_report = [&progress] { progress.Finish(); }});
  while (true) {
    std::optional<JobState> state = ParseJobState(FieldText(job, "state"));
    if (state && IsFinished(*state)) {
      progress.Draw(job);
      progress.Finish();
      PrintOutcome(s, job);
      return ExitCodeForJobState(*state);
    }
    auto next = poller.Next();
    if (auto* failed = std::get_if<CallFailed>(&next)) {
      progress.Finish();
      return failed->exit_code;
    }
    job = std::move(std::get<Json>(next));
  }
}

int Submit(SubmitArgs& args, const ClientEnv& env) {
  Result<std::string> spec = ReadSpec(args.file, *env.in);
  if (!spec.ok()) return ReportStatus(env, spec.status());
  auto session = Session::Open(args.flags, env);
  if (auto* failed = std::get_if<CallFailed>(&session)) return failed->exit_code;
  const Session& s = std::get<Session>(session);

  auto posted = PostJob(s, args.flags.ns(), *spec, ContentTypeFor(args.file));
  if (auto* failed = std::get_if<CallFailed>(&posted)) return failed->exit_code;
  Json& job = std::get<Json>(posted);
  s.out() << FieldText(job, "id") << "\n" << std::flush;
  if (!args.wait) return kExitOk;
  return WaitForJob(s, std::move(job));
}

}  // namespace

void AddSubmitCommand(CLI::App& app, int& exit_code, const EnvPtr& env) {
  auto args = std::make_shared<SubmitArgs>();
  CLI::App* cmd = app.add_subcommand("submit", "Submit a job spec (YAML or JSON); prints its id");
  cmd->add_option("FILE", args->file, "job spec file, or - for stdin")->required();
  cmd->add_flag("--wait", args->wait,
                "wait until the job is finished; exit 0 succeeded, 1 failed, 2 cancelled");
  args->flags.AddTo(*cmd, {.ns = true});
  cmd->callback([args, env, &exit_code] { exit_code = Submit(*args, *env); });
}

}  // namespace pipegrid::cli
