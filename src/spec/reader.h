// Document tree (spec/value.h) -> JobSpec: the field-by-field validation of
// DESIGN §2. Dependencies between tasks are checked afterwards by BuildDag,
// then CheckForEachSources.
//
// Private to src/spec/. Pure functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "spec/job_spec.h"
#include "spec/value.h"

namespace pipegrid::spec::internal {

inline constexpr size_t kMaxTasks = 10000;

// {apiVersion, kind, metadata, spec}.
Result<JobSpec> ReadJob(const Value& root);
// {"pipeline": [{executorName, commands}, ...]}.
Result<JobSpec> ReadLegacyJob(const Value& root);

// One entry of spec.tasks; its retry is merged over `job_retry`.
Result<Task> ReadTask(const Value& v, const RetryPolicy& job_retry);
// {limit, lostLimit, backoff: {...}}: each field present replaces base's.
Result<RetryPolicy> ReadRetry(const Value& v, const RetryPolicy& base);
// A non-empty list of non-empty commands.
Result<std::vector<std::string>> ReadCommands(const Value& v);
// An executor name (task name rules).
Result<std::string> ReadExecutor(const Value& v);
// forEach of `task`, whose name and dependsOn are already read: either
// {from, file}, `from` being in dependsOn, or {items}.
Result<ForEach> ReadForEach(const Value& v, const Task& task);
// outputs: {files: [...]}, a non-empty list of distinct relative paths or globs.
Result<std::vector<std::string>> ReadOutputs(const Value& v);
// What needs the whole job, run once BuildDag accepted it: each forEach.file is
// covered by its `from` task's outputs, and that task is no fan-out itself.
// Errors name "spec.tasks[i].forEach.file" (or ".from").
Status CheckForEachSources(const JobSpec& spec);
// labels and nodeSelector: label keys, values up to 256 characters.
Result<std::map<std::string, std::string>> ReadLabels(const Value& v);

}  // namespace pipegrid::spec::internal
