// The task format of the earlier pipeline-manager project (DESIGN §2):
//   {"pipeline": [{"executorName": "wget", "commands": ["..."]}, ...]}
// becomes one task "main" whose steps are the entries in order. The name is
// left empty: the API names the job "legacy-<id>" once the id exists.
#include "spec/reader.h"

namespace pipegrid::spec::internal {

Result<JobSpec> ReadLegacyJob(const Value& root) {
  PG_RETURN_IF_ERROR(root.ExpectObject({"pipeline"}));
  std::optional<Value> pipeline = root.Field("pipeline");
  if (!pipeline) return root.Missing("pipeline");
  PG_ASSIGN_OR_RETURN(std::vector<Value> entries, pipeline->List());
  if (entries.empty()) return pipeline->Error("must not be empty: a pipeline needs a step");

  Task task;
  task.name = "main";
  task.steps.reserve(entries.size());
  for (const Value& entry : entries) {
    PG_RETURN_IF_ERROR(entry.ExpectObject({"executorName", "commands"}));
    Step step;
    // Optional, as `executor` is in v1: missing means "shell".
    if (std::optional<Value> executor = entry.Field("executorName")) {
      PG_ASSIGN_OR_RETURN(step.executor, ReadExecutor(*executor));
    }
    std::optional<Value> commands = entry.Field("commands");
    if (!commands) return entry.Missing("commands");
    PG_ASSIGN_OR_RETURN(step.commands, ReadCommands(*commands));
    task.steps.push_back(std::move(step));
  }

  JobSpec job;
  job.legacy = true;
  job.tasks.push_back(std::move(task));
  return job;
}

}  // namespace pipegrid::spec::internal
