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

// {path, size, sha256}: one file a task kept (outputs.files).
nlohmann::json OutputFileJson(const protocol::OutputFile& file);

// A Job as lists show it: counters, no "tasks".
nlohmann::json JobSummaryJson(const store::JobRecord& job,
                              const std::vector<store::TaskRecord>& tasks);
// The same from counts by state (Store::CountJobTasksByState).
nlohmann::json JobSummaryJson(const store::JobRecord& job,
                              const std::map<std::string, int64_t>& task_counts);

// A Job with its tasks (spec order, a fan-out task's instances after it by
// item index). Each task carries its attempts (`attempts` may hold every
// task's: each gets its own, by number), its dependsOn, and its kept files'
// manifest (`outputs`, [] until it succeeded). A fan-out instance ("ocr[2]")
// carries its task as `parent`, its `item` and `itemIndex`; other tasks have
// them null.
//
// As JSON text, written directly (api/json_writer.h): a 10,000-task job is
// answered in a few milliseconds. JobJson parses that text, for callers
// that want a tree.
std::string JobJsonText(const store::JobRecord& job, const std::vector<store::TaskRecord>& tasks,
                        const std::vector<store::AttemptRecord>& attempts);
nlohmann::json JobJson(const store::JobRecord& job, const std::vector<store::TaskRecord>& tasks,
                       const std::vector<store::AttemptRecord>& attempts);

nlohmann::json WorkerJson(const master::WorkerInfo& worker);
nlohmann::json DeadLetterJson(const store::DeadLetterRecord& dead_letter);
nlohmann::json EventJson(const store::EventRecord& event);

// {"items": [...], "nextPageToken": token | null}.
nlohmann::json ListJson(nlohmann::json items, const std::optional<std::string>& next_page_token);

}  // namespace pipegrid::api
