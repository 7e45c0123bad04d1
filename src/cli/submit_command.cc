// submit FILE [--wait]: send a job spec, optionally wait for the job's end.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include "cli/command_support.h"
#include "cli/exit_codes.h"
#include "common/states.h"

namespace pipegrid::cli {
namespace {

// `submit --wait` polls quickly at first, so short jobs report promptly, and
// backs off so long ones cost the server one request a second.
constexpr Millis kFirstPollDelay{100};
constexpr Millis kMaxPollDelay{1000};
// Polling rides out a restarting master (DESIGN §4: state is durable) for
// about this many polls before giving up.
constexpr int kMaxPollFailures = 10;

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
  const std::string target = JobPath(FieldText(job, "id"));
  ProgressLineWriter progress(s.env());
  Millis delay = kFirstPollDelay;
  int failures = 0;
  while (true) {
    std::optional<JobState> state = ParseJobState(FieldText(job, "state"));
    if (state && IsFinished(*state)) {
      progress.Draw(job);
      progress.Finish();
      PrintOutcome(s, job);
      return ExitCodeForJobState(*state);
    }
    progress.Draw(job);
    s.env().sleep(delay);
    delay = std::min(delay * 2, kMaxPollDelay);

    Result<HttpResponse> response = s.http().Get(target);
    int code = response.ok() ? ExitCodeForHttpStatus(response->status) : kExitUnavailable;
    if (code == kExitUnavailable && ++failures < kMaxPollFailures) continue;
    if (code != kExitOk) {
      progress.Finish();
      if (!response.ok()) return ReportStatus(s.env(), response.status());
      s.err() << FormatApiError(*response) << "\n";
      return code;
    }
    auto parsed = ParseBody(s, *response, target);
    if (auto* failed = std::get_if<CallFailed>(&parsed)) {
      progress.Finish();
      return failed->exit_code;
    }
    failures = 0;
    job = std::move(std::get<Json>(parsed));
  }
}

int Submit(SubmitArgs& args, const ClientEnv& env) {
  Result<std::string> spec = ReadSpec(args.file, *env.in);
  if (!spec.ok()) return ReportStatus(env, spec.status());
  auto session = Session::Open(args.flags, env);
  if (auto* failed = std::get_if<CallFailed>(&session)) return failed->exit_code;
  const Session& s = std::get<Session>(session);

  const std::string target = "/api/v1/jobs" + Query().Add("namespace", args.flags.ns()).str();
  auto response = s.Call("POST", target, *spec, ContentTypeFor(args.file));
  if (auto* failed = std::get_if<CallFailed>(&response)) return failed->exit_code;
  auto parsed = ParseBody(s, std::get<HttpResponse>(response), target);
  if (auto* failed = std::get_if<CallFailed>(&parsed)) return failed->exit_code;
  Json& job = std::get<Json>(parsed);
  std::string id = FieldText(job, "id");
  if (id.empty()) return s.BadAnswer(target, "the job has no id");
  s.out() << id << "\n" << std::flush;
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
