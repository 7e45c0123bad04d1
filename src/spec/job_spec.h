// The job spec of DESIGN §2, parsed and validated. A JobSpec that exists has
// passed every check: the scheduler never re-validates.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status.h"

namespace pipegrid::spec {

struct Backoff {
  Millis initial{1000};
  double factor = 2.0;
  Millis max{5 * 60 * 1000};
  double jitter = 0.1;
  bool operator==(const Backoff&) const = default;
};

// Resolved policy: a task's `retry` already merged over the job's, field by field.
struct RetryPolicy {
  int limit = 0;       // retries after the first attempt (exit/signal/timeout/oom)
  int lost_limit = 3;  // requeues after `lost`
  Backoff backoff;
  bool operator==(const RetryPolicy&) const = default;
};

struct Step {
  std::string executor = "shell";
  std::vector<std::string> commands;  // each run by /bin/sh -c
  bool operator==(const Step&) const = default;
};

// Fan-out (DESIGN §2): the task runs once per item. Either `from` and `file`
// are set (the items are the non-empty lines of that output file of `from`,
// known only when `from` has succeeded) or neither is (the items are `items`,
// possibly none).
struct ForEach {
  std::string from;                // upstream task; set together with `file`
  std::string file;                // an output file of `from`: one item per non-empty line
  std::vector<std::string> items;  // literal list (when `from` is empty)
  bool literal() const { return from.empty(); }
  bool operator==(const ForEach&) const = default;
};

struct Task {
  std::string name;
  std::vector<std::string> depends_on;
  std::vector<Step> steps;
  std::optional<Millis> timeout;
  RetryPolicy retry;
  double cpu = 0;      // cores; 0 = not declared
  int64_t memory = 0;  // bytes; 0 = not declared
  std::map<std::string, std::string> node_selector;
  bool spread = false;
  // Validated: `from` is in depends_on, is not itself a fan-out task, and
  // `file` is covered by one of its `outputs`.
  std::optional<ForEach> for_each;
  // outputs.files: relative paths or fnmatch(3) globs (FNM_PATHNAME) within
  // the workspace, no "..", no duplicates; empty = none declared.
  std::vector<std::string> outputs;
  bool operator==(const Task&) const = default;
};

struct JobSpec {
  std::string name;  // empty only for the legacy format until the id is known
  std::string namespace_ = "default";
  std::string external_id;  // empty: none
  std::map<std::string, std::string> labels;
  int priority = 0;
  std::optional<Millis> timeout;
  bool fail_fast = false;
  RetryPolicy retry;  // the job-level policy (defaults for tasks)
  std::vector<Task> tasks;
  bool legacy = false;  // came in the {"pipeline": [...]} format
  bool operator==(const JobSpec&) const = default;
};

enum class BodyFormat { kJson, kYaml };

// Maps a Content-Type header (parameters like "; charset=utf-8" allowed) to a
// format: application/json is JSON; application/yaml, application/x-yaml,
// text/yaml or an empty header is YAML; anything else is InvalidArgument with
// the message "unsupported content type ..." (the API answers 415).
Result<BodyFormat> FormatFromContentType(std::string_view content_type);

// Parses and validates fully. Errors are InvalidArgument with field() set to the
// path of the offending field ("spec.tasks[2].dependsOn[0]"). Accepts the
// legacy {"pipeline": [...]} format too (legacy = true, name left empty).
Result<JobSpec> ParseJobSpec(std::string_view body, BodyFormat format);

// Canonical v1 JSON of a spec (every field spelled out, defaults included,
// except forEach and outputs, which appear only when set so that specs without
// them keep the canonical JSON they had before those fields existed).
// ParseJobSpec(ToJson(s).dump(), kJson) == s. Stored with the job and compared
// for idempotent submit.
nlohmann::json ToJson(const JobSpec& spec);

}  // namespace pipegrid::spec
