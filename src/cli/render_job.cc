// The job views of render.h: `get` and the `submit --wait` progress line.
#include <optional>

#include "cli/render.h"
#include "common/states.h"
#include "common/time_format.h"

namespace pipegrid::cli {
namespace {

// "FAILED (timeout)", or the state alone when there is no reason.
std::string StateWithReason(const Json& obj) {
  std::string state = FieldText(obj, "state");
  std::string reason = FieldText(obj, "reason");
  return reason.empty() ? state : state + " (" + reason + ")";
}

// How long an attempt ran; empty while it runs or when a time is unreadable.
std::string Elapsed(const Json& attempt) {
  std::optional<WallTime> start = ParseTime(FieldText(attempt, "startedAt"));
  std::optional<WallTime> end = ParseTime(FieldText(attempt, "finishedAt"));
  if (!start || !end) return {};
  return FormatElapsed(ToUnixMillis(*end) - ToUnixMillis(*start));
}

// The exit code for `exit`, the signal for `signal`, else nothing.
std::string ExitDetail(const Json& attempt) {
  if (std::string signal = FieldText(attempt, "signal"); !signal.empty()) return "sig " + signal;
  return FieldText(attempt, "exitCode");
}

void AddHeaderLine(std::string& out, std::string_view label, const std::string& value) {
  if (value.empty()) return;
  constexpr size_t kLabelWidth = 13;  // "External ID: " and a space
  std::string line(label);
  line += ':';
  line.append(line.size() < kLabelWidth ? kLabelWidth - line.size() : 1, ' ');
  out += line + value + "\n";
}

std::string CountsText(const TaskCounts& c) {
  return std::to_string(c.done) + "/" + std::to_string(c.total) + " done  " +
         std::to_string(c.running) + " running  " + std::to_string(c.failed) + " failed";
}

}  // namespace

TaskCounts CountTasks(const Json& job) {
  TaskCounts counts;
  auto add = [&counts](std::string_view state_name, int64_t n) {
    std::optional<TaskState> state = ParseTaskState(state_name);
    counts.total += n;
    if (!state) return;
    if (IsFinished(*state)) counts.done += n;
    if (*state == TaskState::kRunning || *state == TaskState::kAssigned) counts.running += n;
    if (*state == TaskState::kFailed) counts.failed += n;
  };
  auto counters = job.is_object() ? job.find("counters") : job.end();
  if (job.is_object() && counters != job.end() && counters->is_object()) {
    for (const auto& [state, n] : counters->items()) {
      if (n.is_number_integer()) add(state, n.get<int64_t>());
    }
  } else {
    for (const Json& task : FieldArray(job, "tasks")) add(FieldText(task, "state"), 1);
  }
  return counts;
}

std::string ProgressLine(const Json& job) {
  std::string name = FieldText(job, "name");
  if (name.empty()) name = FieldText(job, "id");
  return "job " + name + " " + FieldText(job, "state") + "  " + CountsText(CountTasks(job));
}

std::string RenderJob(const Json& job) {
  std::string out;
  AddHeaderLine(out, "Job", FieldText(job, "name"));
  AddHeaderLine(out, "ID", FieldText(job, "id"));
  AddHeaderLine(out, "Namespace", FieldText(job, "namespace"));
  AddHeaderLine(out, "External ID", FieldText(job, "externalId"));
  AddHeaderLine(out, "Labels", FieldText(job, "labels"));
  AddHeaderLine(out, "Priority", FieldText(job, "priority"));
  AddHeaderLine(out, "State", StateWithReason(job));
  AddHeaderLine(out, "Created", FieldText(job, "createdAt"));
  AddHeaderLine(out, "Started", FieldText(job, "startedAt"));
  AddHeaderLine(out, "Finished", FieldText(job, "finishedAt"));
  AddHeaderLine(out, "Tasks", CountsText(CountTasks(job)));

  const Json& tasks = FieldArray(job, "tasks");
  if (tasks.empty()) return out;
  std::vector<std::vector<std::string>> task_rows = {
      {"TASK", "STATE", "ATTEMPTS", "WORKER", "DEPENDS ON", "REASON"}};
  std::vector<std::vector<std::string>> attempt_rows = {
      {"TASK", "ATTEMPT", "WORKER", "OUTCOME", "EXIT", "STARTED", "FINISHED", "DURATION"}};
  for (const Json& task : tasks) {
    const Json& attempts = FieldArray(task, "attempts");
    std::string depends_on;
    for (const Json& dep : FieldArray(task, "dependsOn")) {
      if (!dep.is_string()) continue;
      if (!depends_on.empty()) depends_on += ',';
      depends_on += dep.get<std::string>();
    }
    task_rows.push_back({FieldText(task, "name"), FieldText(task, "state"),
                         std::to_string(attempts.size()), FieldText(task, "worker"), depends_on,
                         FieldText(task, "reason")});
    for (const Json& attempt : attempts) {
      std::string outcome = FieldText(attempt, "outcome");
      attempt_rows.push_back({FieldText(task, "name"), FieldText(attempt, "number"),
                              FieldText(attempt, "worker"), outcome.empty() ? "running" : outcome,
                              ExitDetail(attempt), FieldText(attempt, "startedAt"),
                              FieldText(attempt, "finishedAt"), Elapsed(attempt)});
    }
  }
  out += "\n" + RenderTable(task_rows);
  if (attempt_rows.size() > 1) out += "\n" + RenderTable(attempt_rows);
  return out;
}

}  // namespace pipegrid::cli
