// One task of a v1 spec: its steps, resources, placement and retry (forEach
// and outputs: read_fan_out.cc).
#include <charconv>
#include <cmath>

#include "spec/document.h"
#include "spec/names.h"
#include "spec/reader.h"

namespace pipegrid::spec::internal {
namespace {

constexpr std::string_view kNameRule =
    "must start with a letter or digit and contain only letters, digits, '_' and '-' (at most "
    "63 characters)";

// "500m" (millicores) or a decimal number of cores, as Kubernetes writes them.
std::optional<double> ParseCpuText(std::string_view text) {
  double scale = 1;
  if (text.ends_with('m')) {
    text.remove_suffix(1);
    scale = 1000;
  }
  double value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value / scale;
}

Result<double> ReadCpu(const Value& v) {
  std::optional<double> cpu;
  if (v.json().is_string()) {
    cpu = ParseCpuText(v.json().get_ref<const std::string&>());
  } else if (v.json().is_number()) {
    cpu = v.json().get<double>();
  }
  if (!cpu || !std::isfinite(*cpu)) {
    return v.Error("must be a number of cores like 2 or 0.5, or millicores like \"500m\"");
  }
  if (*cpu <= 0) return v.Error("must be greater than 0");
  return *cpu;
}

Status ReadResources(const Value& v, Task& task) {
  PG_RETURN_IF_ERROR(v.ExpectObject({"cpu", "memory"}));
  if (std::optional<Value> cpu = v.Field("cpu")) {
    PG_ASSIGN_OR_RETURN(task.cpu, ReadCpu(*cpu));
  }
  if (std::optional<Value> memory = v.Field("memory")) {
    PG_ASSIGN_OR_RETURN(task.memory, memory->Size());
    if (task.memory <= 0) return memory->Error("must be greater than 0");
  }
  return Status::Ok();
}

Result<Step> ReadStep(const Value& v) {
  PG_RETURN_IF_ERROR(v.ExpectObject({"executor", "commands"}));
  Step step;
  if (std::optional<Value> executor = v.Field("executor")) {
    PG_ASSIGN_OR_RETURN(step.executor, ReadExecutor(*executor));
  }
  std::optional<Value> commands = v.Field("commands");
  if (!commands) return v.Missing("commands");
  PG_ASSIGN_OR_RETURN(step.commands, ReadCommands(*commands));
  return step;
}

Result<std::vector<std::string>> ReadNames(const Value& v) {
  PG_ASSIGN_OR_RETURN(std::vector<Value> items, v.List());
  std::vector<std::string> names;
  names.reserve(items.size());
  for (const Value& item : items) {
    PG_ASSIGN_OR_RETURN(std::string name, item.String());
    names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

Result<Task> ReadTask(const Value& v, const RetryPolicy& job_retry) {
  PG_RETURN_IF_ERROR(v.ExpectObject({"name", "dependsOn", "steps", "resources", "nodeSelector",
                                     "spread", "timeout", "retry", "forEach", "outputs"}));
  Task task;
  std::optional<Value> name = v.Field("name");
  if (!name) return v.Missing("name");
  PG_ASSIGN_OR_RETURN(task.name, name->String());
  if (!IsValidTaskName(task.name)) {
    return name->Error("invalid task name " + Quote(task.name) + ": " + std::string(kNameRule));
  }

  // Whether each name exists, and cycles, are BuildDag's to check.
  if (std::optional<Value> deps = v.Field("dependsOn")) {
    PG_ASSIGN_OR_RETURN(task.depends_on, ReadNames(*deps));
  }
  if (std::optional<Value> for_each = v.Field("forEach")) {
    PG_ASSIGN_OR_RETURN(task.for_each, ReadForEach(*for_each, task));
  }
  std::optional<Value> steps = v.Field("steps");
  if (!steps) return v.Missing("steps");
  PG_ASSIGN_OR_RETURN(std::vector<Value> step_values, steps->List());
  if (step_values.empty()) return steps->Error("must not be empty: a task needs a step");
  for (const Value& s : step_values) {
    PG_ASSIGN_OR_RETURN(Step step, ReadStep(s));
    task.steps.push_back(std::move(step));
  }
  if (std::optional<Value> resources = v.Field("resources")) {
    PG_RETURN_IF_ERROR(ReadResources(*resources, task));
  }
  if (std::optional<Value> selector = v.Field("nodeSelector")) {
    PG_ASSIGN_OR_RETURN(task.node_selector, ReadLabels(*selector));
  }
  if (std::optional<Value> spread = v.Field("spread")) {
    PG_ASSIGN_OR_RETURN(task.spread, spread->Bool());
  }
  if (std::optional<Value> timeout = v.Field("timeout")) {
    PG_ASSIGN_OR_RETURN(Millis t, timeout->Duration());
    if (t <= Millis(0)) return timeout->Error("must be greater than 0");
    task.timeout = t;
  }
  task.retry = job_retry;
  if (std::optional<Value> retry = v.Field("retry")) {
    PG_ASSIGN_OR_RETURN(task.retry, ReadRetry(*retry, job_retry));
  }
  if (std::optional<Value> outputs = v.Field("outputs")) {
    PG_ASSIGN_OR_RETURN(task.outputs, ReadOutputs(*outputs));
  }
  return task;
}

Result<std::vector<std::string>> ReadCommands(const Value& v) {
  PG_ASSIGN_OR_RETURN(std::vector<Value> items, v.List());
  if (items.empty()) return v.Error("must not be empty: a step needs a command");
  std::vector<std::string> commands;
  commands.reserve(items.size());
  for (const Value& item : items) {
    PG_ASSIGN_OR_RETURN(std::string command, item.String());
    if (command.empty()) return item.Error("must not be empty");
    // /bin/sh -c would see the command cut short at the NUL.
    if (command.find('\0') != std::string::npos) {
      return item.Error("must not contain a NUL character");
    }
    commands.push_back(std::move(command));
  }
  return commands;
}

Result<std::string> ReadExecutor(const Value& v) {
  PG_ASSIGN_OR_RETURN(std::string executor, v.String());
  if (!IsValidTaskName(executor)) {
    return v.Error("invalid executor name " + Quote(executor) + ": " + std::string(kNameRule));
  }
  return executor;
}

}  // namespace pipegrid::spec::internal
