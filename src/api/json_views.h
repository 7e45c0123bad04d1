// Store records -> the JSON resources of DESIGN §5. The field names are part
// of the public contract; change them only by addition.
//
// Conventions: times are RFC 3339 UTC with milliseconds (FormatTime); a value
// that is not set is null, never omitted, so every resource always has the
// same keys (unset optionals, and strings the records leave empty to mean
// "none": externalId, reason, worker, an unfinished attempt's outcome);
// labels are an object and lists are arrays even when empty.
//
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/worker_protocol.h"
#include "master/scheduler.h"
#include "store/records.h"

namespace pipegrid::api {

// {"PENDING": n, "QUEUED": n, ...}: every task state, zeros included.
nlohmann::json TaskCountersJson(const std::vector<store::TaskRecord>& tasks);
nlohmann::json TaskCountersJson(const std::map<std::string, int64_t>& counts);

nlohmann::json AttemptJson(const store::AttemptRecord& attempt);

// {path, size, sha256}: one file a task kept (outputs.files).
nlohmann::json OutputFileJson(const protocol::OutputFile& file);

// `attempts` may hold other tasks' attempts too: only this task's are kept,
// ordered by number. A fan-out instance ("ocr[2]") carries its task as
// `parent`, its `item` and `itemIndex`; other tasks have them null.
// `outputs` is the kept files' manifest, [] until the task succeeded.
nlohmann::json TaskJson(const store::TaskRecord& task,
                        const std::vector<store::AttemptRecord>& attempts);

// A Job as lists show it: counters, no "tasks".
nlohmann::json JobSummaryJson(const store::JobRecord& job,
                              const std::vector<store::TaskRecord>& tasks);
// The same from counts by state (Store::CountJobTasksByState).
nlohmann::json JobSummaryJson(const store::JobRecord& job,
                              const std::map<std::string, int64_t>& task_counts);

// A Job with its tasks (spec order, a fan-out task's instances after it by
// item index) and each task's attempts.
nlohmann::json JobJson(const store::JobRecord& job, const std::vector<store::TaskRecord>& tasks,
                       const std::vector<store::AttemptRecord>& attempts);

nlohmann::json WorkerJson(const master::WorkerInfo& worker);
nlohmann::json DeadLetterJson(const store::DeadLetterRecord& dead_letter);
nlohmann::json EventJson(const store::EventRecord& event);

// {"items": [...], "nextPageToken": token | null}.
nlohmann::json ListJson(nlohmann::json items, const std::optional<std::string>& next_page_token);

}  // namespace pipegrid::api
