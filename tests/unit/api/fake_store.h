// An in-memory Store for tests of the read routes: the test fills it with
// records and may make every read fail. Thread-safe like the real one.
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/states.h"
#include "store/store.h"

namespace pipegrid::api::testing {

class FakeStore final : public store::Store {
 public:
  // Makes every later call fail with `status` (OK: succeed again).
  void FailWith(Status status) {
    std::lock_guard lock(mu_);
    fail_ = std::move(status);
  }

  Status Apply(const store::Batch& batch) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    for (const auto& j : batch.put_jobs) jobs_[j.id] = j;
    for (const auto& t : batch.put_tasks) tasks_[t.id] = t;
    for (const auto& a : batch.put_attempts) attempts_[a.id] = a;
    for (const auto& id : batch.delete_dead_letters) dead_letters_.erase(id);
    for (const auto& d : batch.put_dead_letters) dead_letters_[d.task_id] = d;
    for (store::EventRecord e : batch.events) {
      e.seq = ++last_seq_;
      events_.push_back(std::move(e));
    }
    return Status::Ok();
  }

  Result<std::optional<store::JobRecord>> GetJob(const std::string& id) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return std::optional<store::JobRecord>();
    return std::optional<store::JobRecord>(it->second);
  }

  Result<std::optional<store::JobRecord>> GetJobByExternalId(
      const std::string& namespace_, const std::string& external_id) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    for (const auto& [id, j] : jobs_) {
      if (j.namespace_ == namespace_ && j.external_id == external_id) {
        return std::optional<store::JobRecord>(j);
      }
    }
    return std::optional<store::JobRecord>();
  }

  Result<std::vector<store::JobRecord>> ListJobs(const store::JobFilter& f) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    std::vector<store::JobRecord> out;
    for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
      const store::JobRecord& j = it->second;
      if (!f.after.empty() && j.id >= f.after) continue;
      if (!f.namespace_.empty() && j.namespace_ != f.namespace_) continue;
      if (!f.namespaces_in.empty() && std::find(f.namespaces_in.begin(), f.namespaces_in.end(),
                                                j.namespace_) == f.namespaces_in.end()) {
        continue;
      }
      if (!f.states.empty() &&
          std::find(f.states.begin(), f.states.end(), j.state) == f.states.end()) {
        continue;
      }
      bool labels_match = true;
      for (const auto& [k, v] : f.labels) {
        auto l = j.labels.find(k);
        labels_match = labels_match && l != j.labels.end() && l->second == v;
      }
      if (!labels_match) continue;
      if (static_cast<int>(out.size()) == f.limit) break;
      out.push_back(j);
    }
    return out;
  }

  Result<std::vector<store::JobRecord>> ListUnfinishedJobs() override {
    return std::vector<store::JobRecord>();
  }
  Result<std::vector<std::string>> ListExpiredJobs(WallTime, int) override {
    return std::vector<std::string>();
  }

  Result<std::vector<store::TaskRecord>> ListTasks(const std::string& job_id) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    std::vector<store::TaskRecord> out;
    for (const auto& [id, t] : tasks_) {
      if (t.job_id == job_id) out.push_back(t);
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
    return out;
  }

  Result<std::vector<store::AttemptRecord>> ListAttempts(const std::string& job_id) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    std::vector<store::AttemptRecord> out;
    for (const auto& [id, a] : attempts_) {
      if (a.job_id == job_id) out.push_back(a);
    }
    return out;
  }

  Result<std::vector<store::EventRecord>> ListEvents(const store::EventFilter& f) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    std::vector<store::EventRecord> out;
    for (const auto& e : events_) {
      if (e.seq <= f.since || (!f.job_id.empty() && e.job_id != f.job_id)) continue;
      if (static_cast<int>(out.size()) == f.limit) break;
      out.push_back(e);
    }
    return out;
  }

  Result<std::vector<store::DeadLetterRecord>> ListDeadLetters(
      const store::DeadLetterFilter& f) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    std::vector<store::DeadLetterRecord> out;
    for (const auto& [id, d] : dead_letters_) {
      if (!f.after.empty() && id <= f.after) continue;
      if (!f.namespace_.empty() && d.namespace_ != f.namespace_) continue;
      if (!f.namespaces_in.empty() && std::find(f.namespaces_in.begin(), f.namespaces_in.end(),
                                                d.namespace_) == f.namespaces_in.end()) {
        continue;
      }
      if (static_cast<int>(out.size()) == f.limit) break;
      out.push_back(d);
    }
    return out;
  }

  Result<std::optional<store::DeadLetterRecord>> GetDeadLetter(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = dead_letters_.find(id);
    if (it == dead_letters_.end()) return std::optional<store::DeadLetterRecord>();
    return std::optional<store::DeadLetterRecord>(it->second);
  }

  Result<std::map<std::string, int64_t>> CountJobsByState() override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    std::map<std::string, int64_t> out;
    for (const auto& [id, j] : jobs_) ++out[std::string(Name(j.state))];
    return out;
  }

  Result<std::map<std::string, int64_t>> CountTasksByState() override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    std::map<std::string, int64_t> out;
    for (const auto& [id, t] : tasks_) ++out[std::string(Name(t.state))];
    return out;
  }

  Result<std::map<std::string, int64_t>> CountJobTasksByState(const std::string& job_id) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    std::map<std::string, int64_t> out;
    for (TaskState s : kAllTaskStates) out[std::string(Name(s))] = 0;
    for (const auto& [id, t] : tasks_) {
      if (t.job_id == job_id) ++out[std::string(Name(t.state))];
    }
    return out;
  }

  Result<int64_t> CountDeadLetters() override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    return static_cast<int64_t>(dead_letters_.size());
  }

  Result<int64_t> LastEventSeq() override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    return events_.empty() ? int64_t{0} : events_.back().seq;
  }

  Result<std::map<std::string, int64_t>> CountAttemptsByOutcome() override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    std::map<std::string, int64_t> out;
    for (const auto& [id, a] : attempts_) ++out[std::string(Name(a.outcome))];
    return out;
  }

  Status PutToken(const store::TokenRecord& token) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    for (const auto& [id, t] : tokens_) {
      if (id == token.id || t.secret_hash == token.secret_hash) return AlreadyExists(token.id);
    }
    tokens_[token.id] = token;
    return Status::Ok();
  }

  Result<std::optional<store::TokenRecord>> GetToken(const std::string& id) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    auto it = tokens_.find(id);
    if (it == tokens_.end()) return std::optional<store::TokenRecord>();
    return std::optional<store::TokenRecord>(it->second);
  }

  Result<std::optional<store::TokenRecord>> GetTokenBySecretHash(
      const std::string& hash) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    for (const auto& [id, t] : tokens_) {
      if (t.secret_hash == hash) return std::optional<store::TokenRecord>(t);
    }
    return std::optional<store::TokenRecord>();
  }

  Result<std::vector<store::TokenRecord>> ListTokens() override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    std::vector<store::TokenRecord> out;
    for (const auto& [id, t] : tokens_) out.push_back(t);
    return out;
  }

  Status RevokeToken(const std::string& id, WallTime at) override {
    std::lock_guard lock(mu_);
    if (!fail_.ok()) return fail_;
    auto it = tokens_.find(id);
    if (it == tokens_.end()) return NotFound("token " + id + " not found");
    if (!it->second.revoked_at) it->second.revoked_at = at;
    return Status::Ok();
  }

 private:
  std::mutex mu_;
  Status fail_;
  std::map<std::string, store::TokenRecord> tokens_;
  std::map<std::string, store::JobRecord> jobs_;
  std::map<std::string, store::TaskRecord> tasks_;
  std::map<std::string, store::AttemptRecord> attempts_;
  std::map<std::string, store::DeadLetterRecord> dead_letters_;
  std::vector<store::EventRecord> events_;
  int64_t last_seq_ = 0;
};

}  // namespace pipegrid::api::testing
