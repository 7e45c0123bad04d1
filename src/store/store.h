// Durable state: the Store interface (SQLite now, PostgreSQL later).
//
// Thread-safety: every method may be called from any thread. Writes come from
// one writer at a time in practice (the GroupCommitter); reads come from HTTP
// threads concurrently and see only committed data.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/records.h"

namespace pipegrid::store {

struct JobFilter {
  std::vector<JobState> states;                // empty: any
  std::map<std::string, std::string> labels;   // all must match
  std::string namespace_;                      // empty: any
  // Non-empty: only jobs in these namespaces (what a token holds).
  std::vector<std::string> namespaces_in;
  int limit = 100;
  std::string after;  // page token: ids strictly older (smaller) than this
};

struct DeadLetterFilter {
  std::string namespace_;  // empty: any
  std::vector<std::string> namespaces_in;  // non-empty: only these
  int limit = 100;
  std::string after;  // page token: task ids greater than this
};

struct EventFilter {
  std::string job_id;  // empty: all jobs
  int64_t since = 0;   // events with seq > since
  int limit = 1000;
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies the whole batch in one transaction: all of it or none of it.
  [[nodiscard]] virtual Status Apply(const Batch& batch) = 0;

  [[nodiscard]] virtual Result<std::optional<JobRecord>> GetJob(const std::string& id) = 0;
  [[nodiscard]] virtual Result<std::optional<JobRecord>> GetJobByExternalId(
      const std::string& namespace_, const std::string& external_id) = 0;
  // Newest first (descending id).
  [[nodiscard]] virtual Result<std::vector<JobRecord>> ListJobs(const JobFilter& filter) = 0;
  // Jobs not in a finished state: what recovery rebuilds.
  [[nodiscard]] virtual Result<std::vector<JobRecord>> ListUnfinishedJobs() = 0;
  // Ids of finished jobs whose finished_at is before `cutoff`, oldest first.
  [[nodiscard]] virtual Result<std::vector<std::string>> ListExpiredJobs(WallTime cutoff,
                                                                         int limit) = 0;

  // In spec order (index).
  [[nodiscard]] virtual Result<std::vector<TaskRecord>> ListTasks(const std::string& job_id) = 0;
  // All attempts of a job's tasks, by task then number.
  [[nodiscard]] virtual Result<std::vector<AttemptRecord>> ListAttempts(
      const std::string& job_id) = 0;

  // Ascending seq.
  [[nodiscard]] virtual Result<std::vector<EventRecord>> ListEvents(const EventFilter& filter) = 0;

  [[nodiscard]] virtual Result<std::vector<DeadLetterRecord>> ListDeadLetters(
      const DeadLetterFilter& filter) = 0;
  [[nodiscard]] virtual Result<std::optional<DeadLetterRecord>> GetDeadLetter(
      const std::string& task_id) = 0;

  // For /metrics: counts keyed by state name (Name(JobState)) or outcome name.
  [[nodiscard]] virtual Result<std::map<std::string, int64_t>> CountJobsByState() = 0;
  [[nodiscard]] virtual Result<std::map<std::string, int64_t>> CountTasksByState() = 0;
  [[nodiscard]] virtual Result<std::map<std::string, int64_t>> CountAttemptsByOutcome() = 0;
  // One job's tasks (fan-out instances included) by state, every state
  // present: a job list's counters without reading the task rows.
  [[nodiscard]] virtual Result<std::map<std::string, int64_t>> CountJobTasksByState(
      const std::string& job_id) = 0;
  // Dead letters now (all namespaces).
  [[nodiscard]] virtual Result<int64_t> CountDeadLetters() = 0;
  // API tokens. Written directly, not through batches: they are not
  // scheduler state, and `pipegrid token --data-dir` writes them from
  // another process while the master runs.
  // Fails (Internal) when the id or the secret's hash is taken: both are
  // random (auth/token.h), so that means a bug, not bad luck.
  [[nodiscard]] virtual Status PutToken(const TokenRecord& token) = 0;
  [[nodiscard]] virtual Result<std::optional<TokenRecord>> GetToken(const std::string& id) = 0;
  [[nodiscard]] virtual Result<std::optional<TokenRecord>> GetTokenBySecretHash(
      const std::string& secret_hash) = 0;
  // Oldest first, revoked ones included.
  [[nodiscard]] virtual Result<std::vector<TokenRecord>> ListTokens() = 0;
  // Sets revoked_at (once: a second revoke keeps the first time). NotFound
  // when there is no such token.
  [[nodiscard]] virtual Status RevokeToken(const std::string& id, WallTime at) = 0;

  // The highest event seq committed so far; 0 when there is none. A follower
  // that wants only new events starts after it.
  [[nodiscard]] virtual Result<int64_t> LastEventSeq() = 0;
};

}  // namespace pipegrid::store
