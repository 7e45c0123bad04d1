// The rows of the durable store. The scheduler keeps these records in memory
// for unfinished jobs and writes whole rows (upserts) in batches.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/states.h"
#include "common/worker_protocol.h"

namespace pipegrid::store {

struct JobRecord {
  std::string id;
  std::string name;
  std::string namespace_;
  std::string external_id;  // empty: none
  std::map<std::string, std::string> labels;
  int priority = 0;
  JobState state = JobState::kPending;
  std::string reason;
  std::string spec_json;  // spec::ToJson(spec).dump()
  WallTime created_at{};
  std::optional<WallTime> started_at;
  std::optional<WallTime> finished_at;
  // When spec.timeout runs out: submit + timeout, moved on retry and requeue.
  std::optional<WallTime> deadline_at;
  bool operator==(const JobRecord&) const = default;
};

struct TaskRecord {
  std::string id;
  std::string job_id;
  std::string name;
  int index = 0;  // position in the spec's task list
  TaskState state = TaskState::kPending;
  std::string reason;
  std::vector<std::string> depends_on;
  std::string worker;         // worker of the latest attempt
  int retries_used = 0;       // attempts counted against retry.limit
  int lost_used = 0;          // attempts counted against retry.lostLimit
  int attempts_started = 0;   // number of the latest attempt (0: none yet)
  std::optional<WallTime> retry_at;  // while RETRYING: when the backoff ends
  // Fan-out (forEach): an instance names its task ("ocr") as parent and
  // carries its item; a task that is not an instance has parent "" and
  // item_index -1. Instances share their task's `index`.
  std::string parent;
  int item_index = -1;
  std::string item;
  // outputs.files kept by the succeeded attempt, as stored by the master.
  std::vector<protocol::OutputFile> outputs;
  bool operator==(const TaskRecord&) const = default;
};

struct AttemptRecord {
  std::string id;
  std::string task_id;
  std::string job_id;
  int number = 1;  // 1-based, continues across job retries
  std::string worker;
  Outcome outcome = Outcome::kNone;  // kNone while unfinished
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string reason;
  std::optional<int64_t> pgid;  // process group of the running step
  std::optional<WallTime> started_at;
  std::optional<WallTime> finished_at;
  bool operator==(const AttemptRecord&) const = default;
};

struct EventRecord {
  int64_t seq = 0;  // assigned by the store, strictly increasing
  WallTime time{};
  std::string job_id;
  std::string task;    // task name, empty for job/worker events
  int attempt = 0;     // attempt number, 0 when not about an attempt
  std::string worker;
  std::string type;    // "job", "task", "attempt", "worker"
  std::string from;    // previous state ("" when created)
  std::string to;      // new state, or an attempt's outcome
  std::string reason;
  bool operator==(const EventRecord&) const = default;
};

struct DeadLetterRecord {
  std::string task_id;
  std::string job_id;
  std::string namespace_;
  std::string task;  // task name
  int attempts = 0;
  Outcome outcome = Outcome::kNone;
  std::string reason;
  WallTime failed_at{};
  bool operator==(const DeadLetterRecord&) const = default;
};

// An API token (DESIGN §6). Only a hash of its secret is kept: the secret
// is shown once, when the token is made.
struct TokenRecord {
  std::string id;           // public handle ("tok_…"), what lists and revoke name
  std::string secret_hash;  // hex SHA-256 of the secret (auth/token.h)
  Role role = Role::kView;
  // The namespaces it may see; {"*"}: every one (admin tokens always do).
  std::vector<std::string> namespaces;
  std::string name;  // optional description
  WallTime created_at{};
  std::optional<WallTime> revoked_at;
  bool operator==(const TokenRecord&) const = default;
};

// One atomic unit of writes. Applied in this order: jobs, tasks, attempts,
// dead-letter deletes, dead-letter puts, events, job deletes. Within a list,
// a later put of the same row wins.
struct Batch {
  std::vector<JobRecord> put_jobs;
  std::vector<TaskRecord> put_tasks;
  std::vector<AttemptRecord> put_attempts;
  std::vector<std::string> delete_dead_letters;  // by task id
  std::vector<DeadLetterRecord> put_dead_letters;
  std::vector<EventRecord> events;  // seq ignored on input
  std::vector<std::string> delete_jobs;  // with tasks, attempts, events, dead letters

  bool empty() const {
    return put_jobs.empty() && put_tasks.empty() && put_attempts.empty() &&
           delete_dead_letters.empty() && put_dead_letters.empty() && events.empty() &&
           delete_jobs.empty();
  }
  // Appends `other` after this batch's contents, list by list.
  void Append(Batch&& other);
  // Keeps only the last put of each job, task and attempt: every put is a
  // whole-row upsert, so the earlier ones would be overwritten in the same
  // transaction anyway. A short task changes its rows three times within a
  // few milliseconds; merged into one commit they cost one write each.
  void DropOverwritten();
};

}  // namespace pipegrid::store
