// The job level of a v1 spec: apiVersion, kind, metadata, spec and the retry
// policy shared with tasks.
#include <limits>
#include <unordered_map>

#include "spec/document.h"
#include "spec/names.h"
#include "spec/reader.h"

namespace pipegrid::spec::internal {
namespace {

constexpr std::string_view kApiVersion = "pipegrid/v1";
constexpr std::string_view kKind = "Job";
constexpr size_t kMaxExternalIdLength = 256;
constexpr size_t kMaxLabelValueLength = 256;
constexpr int kMaxRetries = 1000;

// apiVersion and kind are read before anything else: a document of another
// version or kind deserves that message rather than one about its fields.
Status CheckHeader(const Value& root) {
  std::optional<Value> api_version = root.Field("apiVersion");
  if (!api_version) {
    return root.Missing("apiVersion", "use " + Quote(kApiVersion));
  }
  PG_ASSIGN_OR_RETURN(std::string version, api_version->String());
  if (version != kApiVersion) {
    return api_version->Error("unsupported apiVersion " + Quote(version) + ": expected " +
                              Quote(kApiVersion));
  }
  std::optional<Value> kind = root.Field("kind");
  if (!kind) return root.Missing("kind", "use \"Job\"");
  PG_ASSIGN_OR_RETURN(std::string kind_name, kind->String());
  if (kind_name != kKind) {
    return kind->Error("unsupported kind " + Quote(kind_name) + ": expected \"Job\"");
  }
  return Status::Ok();
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool HasControlCharacter(std::string_view s) {
  for (char c : s) {
    if ((c >= 0 && c < 0x20) || c == 0x7f) return true;
  }
  return false;
}

Status ReadMetadata(const Value& v, JobSpec& job) {
  PG_RETURN_IF_ERROR(v.ExpectObject({"name", "namespace", "externalId", "labels"}));
  std::optional<Value> name = v.Field("name");
  if (!name) return v.Missing("name");
  PG_ASSIGN_OR_RETURN(job.name, name->String());
  if (!IsValidJobName(job.name)) {
    return name->Error("invalid job name " + Quote(job.name) +
                       ": must start with a letter or digit and contain only letters, "
                       "digits, '_', '.' and '-' (at most 253 characters)");
  }
  if (std::optional<Value> ns = v.Field("namespace")) {
    PG_ASSIGN_OR_RETURN(job.namespace_, ns->String());
    if (!IsValidNamespace(job.namespace_)) {
      return ns->Error("invalid namespace " + Quote(job.namespace_) +
                       ": must be lowercase letters, digits and '-', starting and ending "
                       "with a letter or digit (at most 63 characters)");
    }
  }
  if (std::optional<Value> id = v.Field("externalId")) {
    PG_ASSIGN_OR_RETURN(job.external_id, id->String());
    if (job.external_id.empty() || job.external_id.size() > kMaxExternalIdLength ||
        !IsPrintableAscii(job.external_id)) {
      return id->Error("must be 1 to 256 printable ASCII characters");
    }
  }
  if (std::optional<Value> labels = v.Field("labels")) {
    PG_ASSIGN_OR_RETURN(job.labels, ReadLabels(*labels));
  }
  return Status::Ok();
}

Status ReadTasks(const Value& v, JobSpec& job) {
  PG_ASSIGN_OR_RETURN(std::vector<Value> tasks, v.List());
  if (tasks.empty()) return v.Error("must not be empty: a job needs at least one task");
  if (tasks.size() > kMaxTasks) {
    return v.Error("has " + std::to_string(tasks.size()) + " tasks; at most " +
                   std::to_string(kMaxTasks) + " are allowed");
  }
  job.tasks.reserve(tasks.size());
  std::unordered_map<std::string, size_t> index_by_name;
  for (const Value& t : tasks) {
    PG_ASSIGN_OR_RETURN(Task task, ReadTask(t, job.retry));
    if (!index_by_name.emplace(task.name, job.tasks.size()).second) {
      return InvalidArgument("duplicate task name " + Quote(task.name),
                             ChildPath(t.path(), "name"));
    }
    job.tasks.push_back(std::move(task));
  }
  return Status::Ok();
}

Status ReadJobBody(const Value& v, JobSpec& job) {
  PG_RETURN_IF_ERROR(v.ExpectObject({"priority", "timeout", "failFast", "retry", "tasks"}));
  if (std::optional<Value> priority = v.Field("priority")) {
    PG_ASSIGN_OR_RETURN(int64_t p, priority->Integer(std::numeric_limits<int>::min(),
                                                     std::numeric_limits<int>::max()));
    job.priority = static_cast<int>(p);
  }
  if (std::optional<Value> timeout = v.Field("timeout")) {
    PG_ASSIGN_OR_RETURN(Millis t, timeout->Duration());
    if (t <= Millis(0)) return timeout->Error("must be greater than 0");
    job.timeout = t;
  }
  if (std::optional<Value> fail_fast = v.Field("failFast")) {
    PG_ASSIGN_OR_RETURN(job.fail_fast, fail_fast->Bool());
  }
  // Before the tasks: theirs is merged over it.
  if (std::optional<Value> retry = v.Field("retry")) {
    PG_ASSIGN_OR_RETURN(job.retry, ReadRetry(*retry, RetryPolicy{}));
  }
  std::optional<Value> tasks = v.Field("tasks");
  if (!tasks) return v.Missing("tasks", "a job needs at least one task");
  return ReadTasks(*tasks, job);
}

}  // namespace

Result<JobSpec> ReadJob(const Value& root) {
  PG_RETURN_IF_ERROR(CheckHeader(root));
  PG_RETURN_IF_ERROR(root.ExpectObject({"apiVersion", "kind", "metadata", "spec"}));
  JobSpec job;
  std::optional<Value> metadata = root.Field("metadata");
  if (!metadata) return root.Missing("metadata");
  PG_RETURN_IF_ERROR(ReadMetadata(*metadata, job));
  std::optional<Value> body = root.Field("spec");
  if (!body) return root.Missing("spec");
  PG_RETURN_IF_ERROR(ReadJobBody(*body, job));
  return job;
}

Result<RetryPolicy> ReadRetry(const Value& v, const RetryPolicy& base) {
  RetryPolicy retry = base;
  PG_RETURN_IF_ERROR(v.ExpectObject({"limit", "lostLimit", "backoff"}));
  if (std::optional<Value> limit = v.Field("limit")) {
    PG_ASSIGN_OR_RETURN(int64_t n, limit->Integer(0, kMaxRetries));
    retry.limit = static_cast<int>(n);
  }
  if (std::optional<Value> lost_limit = v.Field("lostLimit")) {
    PG_ASSIGN_OR_RETURN(int64_t n, lost_limit->Integer(0, kMaxRetries));
    retry.lost_limit = static_cast<int>(n);
  }
  std::optional<Value> backoff = v.Field("backoff");
  if (!backoff) return retry;
  PG_RETURN_IF_ERROR(backoff->ExpectObject({"initial", "factor", "max", "jitter"}));
  if (std::optional<Value> initial = backoff->Field("initial")) {
    PG_ASSIGN_OR_RETURN(retry.backoff.initial, initial->Duration());
  }
  if (std::optional<Value> factor = backoff->Field("factor")) {
    PG_ASSIGN_OR_RETURN(retry.backoff.factor, factor->Number());
    if (retry.backoff.factor < 1) return factor->Error("must be at least 1");
  }
  if (std::optional<Value> max = backoff->Field("max")) {
    PG_ASSIGN_OR_RETURN(retry.backoff.max, max->Duration());
  }
  if (std::optional<Value> jitter = backoff->Field("jitter")) {
    PG_ASSIGN_OR_RETURN(retry.backoff.jitter, jitter->Number());
    if (retry.backoff.jitter < 0 || retry.backoff.jitter > 1) {
      return jitter->Error("must be between 0 and 1");
    }
  }
  return retry;
}

Result<std::map<std::string, std::string>> ReadLabels(const Value& v) {
  PG_ASSIGN_OR_RETURN(auto labels, v.StringMap());
  for (const auto& [key, value] : labels) {
    std::string path = ChildPath(v.path(), key);
    if (!IsValidLabelKey(key)) {
      return InvalidArgument("invalid key " + Quote(key) +
                                 ": must be letters, digits, '_', '.', '/' and '-', starting "
                                 "and ending with a letter or digit (at most 63 characters)",
                             path);
    }
    if (value.size() > kMaxLabelValueLength) {
      return InvalidArgument("must be at most 256 characters", path);
    }
    if (HasControlCharacter(value)) {
      return InvalidArgument("must not contain control characters", path);
    }
  }
  return labels;
}

}  // namespace pipegrid::spec::internal
