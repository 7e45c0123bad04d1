// Private to the SQLite store: the Store implementation. The file split is by
// concern: sqlite_store.cc (opening), sqlite_store_write.cc (Apply),
// sqlite_store_read.cc (queries).
//
// Thread-safety: every method may be called from any thread. Writes go
// through one connection under write_mu_; reads borrow a connection from a
// pool and see the last committed state (WAL snapshot), never a half batch.
#pragma once

#include <memory>
#include <mutex>

#include "store/sqlite/sqlite_conn.h"
#include "store/sqlite/sqlite_pool.h"
#include "store/sqlite/checkpointer.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace pipegrid::store::sqlite {

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Connection> writer, std::vector<std::unique_ptr<Connection>> readers)
      : writer_(std::move(writer)), readers_(std::move(readers)) {}
  // Takes the WAL checkpoints off the writer (see checkpointer.h).
  void SetCheckpointer(std::unique_ptr<Checkpointer> c) { checkpointer_ = std::move(c); }

  Status Apply(const Batch& batch) override;

  Result<std::optional<JobRecord>> GetJob(const std::string& id) override;
  Result<std::optional<JobRecord>> GetJobByExternalId(const std::string& namespace_,
                                                      const std::string& external_id) override;
  Result<std::vector<JobRecord>> ListJobs(const JobFilter& filter) override;
  Result<std::vector<JobRecord>> ListUnfinishedJobs() override;
  Result<std::vector<std::string>> ListExpiredJobs(WallTime cutoff, int limit) override;
  Result<std::vector<TaskRecord>> ListTasks(const std::string& job_id) override;
  Result<std::vector<AttemptRecord>> ListAttempts(const std::string& job_id) override;
  Result<std::vector<EventRecord>> ListEvents(const EventFilter& filter) override;
  Result<std::vector<DeadLetterRecord>> ListDeadLetters(const DeadLetterFilter& filter) override;
  Result<std::optional<DeadLetterRecord>> GetDeadLetter(const std::string& task_id) override;
  Result<std::map<std::string, int64_t>> CountJobsByState() override;
  Result<std::map<std::string, int64_t>> CountTasksByState() override;
  Result<std::map<std::string, int64_t>> CountAttemptsByOutcome() override;
  Result<std::map<std::string, int64_t>> CountJobTasksByState(const std::string& job_id) override;
  Result<int64_t> CountDeadLetters() override;
  Result<int64_t> LastEventSeq() override;
  Status PutToken(const TokenRecord& token) override;
  Result<std::optional<TokenRecord>> GetToken(const std::string& id) override;
  Result<std::optional<TokenRecord>> GetTokenBySecretHash(const std::string& secret_hash) override;
  Result<std::vector<TokenRecord>> ListTokens() override;
  Status RevokeToken(const std::string& id, WallTime at) override;

 private:
  // The writes of Apply, inside its transaction (sqlite_store_write.cc).
  Status WriteBatch(const Batch& batch);

  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by write_mu_, with its statement cache
  ReadPool readers_;
  // Declared after writer_: its hook is removed before the writer closes.
  std::unique_ptr<Checkpointer> checkpointer_;
};

}  // namespace pipegrid::store::sqlite
