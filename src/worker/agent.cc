#include "worker/agent.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/event_loop.h"
#include "worker/attempt.h"
#include "worker/attempt_record.h"
#include "worker/environment.h"
#include "worker/output_pump.h"
#include "worker/posix_util.h"
#include "worker/proc_stat.h"
#include "worker/pump_to_loop.h"
#include "worker/workspace.h"

namespace pipegrid::worker {
namespace {

namespace fs = std::filesystem;

// How many finished attempt ids to remember, to ignore a late Stop or a
// duplicate Assign. Older ones fall out: a Stop that late gets a second
// Finished, which the master refuses as stale (fencing, DESIGN §4).
constexpr size_t kRememberFinished = 4096;
// Empty workspaces kept for reuse (SpareWorkspaces): each costs one inode.
constexpr size_t kSpareWorkspaces = 64;

Status PrepareDir(std::string& dir, const char* what) {
  if (dir.empty()) return InvalidArgument(std::string("agent needs a ") + what);
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec);
  if (!ec) fs::create_directories(abs, ec);
  if (ec) return ErrnoStatus(std::string("create ") + what + " " + dir, ec.value());
  // Absolute, because commands see the workspace path with another cwd.
  dir = abs.lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return Status::Ok();
}

protocol::AttemptFinished Report(const std::string& attempt_id, Outcome outcome, std::string reason,
                                 const Clock& clock) {
  protocol::AttemptFinished f;
  f.attempt_id = attempt_id;
  f.outcome = outcome;
  f.reason = std::move(reason);
  f.finished_at = clock.Wall();
  return f;
}

}  // namespace

class Agent::Impl {
 public:
  Impl(AgentOptions options, const Clock& clock, protocol::MasterChannel& master)
      : options_(std::move(options)), clock_(clock), master_(master), loop_(clock) {}

  Status Init();
  void Assign(protocol::Assignment msg);
  void Stop(protocol::StopRequest msg);
  void ReleaseJob(const std::string& job_id);
  void Shutdown(Millis grace);

 private:
  // Control thread.
  void DoAssign(protocol::Assignment msg);
  // Starts waiting assignments while a slot is free.
  void StartWaiting();
  void Run(protocol::Assignment msg);
  bool SlotFree() const {
    return options_.slots <= 0 || attempts_.size() < static_cast<size_t>(options_.slots);
  }
  std::deque<protocol::Assignment>::iterator FindWaiting(const std::string& attempt_id) {
    return std::find_if(waiting_.begin(), waiting_.end(),
                        [&](const auto& w) { return w.attempt_id == attempt_id; });
  }
  // Removes the job's workspaces once its last attempt is gone, if it was
  // released meanwhile.
  void MaybeRelease(const std::string& job_id);
  void DoStop(const protocol::StopRequest& msg);
  void DoReleaseJob(const std::string& job_id);
  void BeginShutdown(Millis grace, std::promise<void>* done);
  void OnLeaderExited(uint64_t token);
  void OnStreamClosed(uint64_t token, std::unique_ptr<LogSink> sink);
  // Forgets `serial` if its attempt has finished, then runs what waited for it.
  void Collect(uint64_t serial);
  void MaybeCompleteShutdown();
  void RememberFinished(const std::string& attempt_id);
  bool RecentlyFinished(const std::string& attempt_id) const {
    return finished_ids_.count(attempt_id) != 0;
  }
  bool JobHasAttempts(const std::string& job_id) const;

  AgentOptions options_;
  const Clock& clock_;
  protocol::MasterChannel& master_;
  std::map<std::string, std::string> base_env_;
  std::unique_ptr<RecordTable> records_;  // control thread only
  std::unique_ptr<SpareWorkspaces> spares_;  // control thread only
  AttemptContext context_;

  EventLoop loop_;
  // Declared after loop_: its callbacks post to the loop, so it goes first.
  std::unique_ptr<OutputPump> pump_;

  // Control thread only.
  std::unordered_map<uint64_t, std::unique_ptr<Attempt>> attempts_;  // by serial
  std::unordered_map<std::string, uint64_t> serial_by_id_;
  uint64_t next_serial_ = 1;
  std::deque<protocol::Assignment> waiting_;  // beyond the slots, oldest first
  std::deque<std::string> finished_order_;  // oldest first; mirrors finished_ids_
  std::unordered_set<std::string> finished_ids_;
  std::set<std::string> pending_release_;  // released while an attempt still ran
  bool shutting_down_ = false;
  std::promise<void>* shutdown_done_ = nullptr;

  std::mutex shutdown_mu_;  // serialises Shutdown() callers
  // Held while posting and across the final loop drain, so a message is
  // either run by the loop or handled inline after it ended - never lost.
  std::mutex mu_;
  bool closed_ = false;  // guarded by mu_: the loop has ended
};

Status Agent::Impl::Init() {
  PG_RETURN_IF_ERROR(PrepareDir(options_.work_dir, "work dir"));
  PG_RETURN_IF_ERROR(PrepareDir(options_.log_dir, "log dir"));
  PG_RETURN_IF_ERROR(PrepareDir(options_.state_dir, "state dir"));

  PG_ASSIGN_OR_RETURN(CleanupReport cleanup,
                      KillLeftoverProcessGroups(options_.state_dir, clock_, options_.cleanup_wait));
  if (cleanup.records > 0) {
    spdlog::info("killed leftover processes of a previous run records={} killed={} lingering={}",
                 cleanup.records, cleanup.killed.size(), cleanup.lingering.size());
  }

  // After the cleanup, which removes the previous run's table.
  PG_ASSIGN_OR_RETURN(RecordTable records, RecordTable::Open(options_.state_dir));
  records_ = std::make_unique<RecordTable>(std::move(records));

  // Enough for every slot and prefetched assignment to find one.
  spares_ = std::make_unique<SpareWorkspaces>(options_.work_dir, kSpareWorkspaces);

  base_env_ = SnapshotProcessEnvironment();
  context_ = AttemptContext{&options_,  &loop_,          nullptr,      &master_, &base_env_,
                            records_.get(), spares_.get(), ReadBootId()};

  PG_ASSIGN_OR_RETURN(
      pump_, OutputPump::Start(PostToLoop(loop_, std::bind_front(&Impl::OnLeaderExited, this),
                                          std::bind_front(&Impl::OnStreamClosed, this))));
  context_.pump = pump_.get();
  loop_.Start("pg-agent");
  return Status::Ok();
}

void Agent::Impl::Assign(protocol::Assignment msg) {
  std::lock_guard lock(mu_);
  if (!closed_) {
    auto holder = std::make_shared<protocol::Assignment>(std::move(msg));
    loop_.Post([this, holder] { DoAssign(std::move(*holder)); });
    return;
  }
  if (RecentlyFinished(msg.attempt_id)) return;  // duplicate: already answered
  RememberFinished(msg.attempt_id);
  master_.Finished(Report(msg.attempt_id, Outcome::kInterrupted, "worker shut down", clock_));
}

void Agent::Impl::Stop(protocol::StopRequest msg) {
  std::lock_guard lock(mu_);
  if (!closed_) {
    loop_.Post([this, msg] { DoStop(msg); });
    return;
  }
  // The loop has ended: every attempt it ran is reported; the rest never ran.
  if (!RecentlyFinished(msg.attempt_id)) {
    RememberFinished(msg.attempt_id);
    master_.Finished(Report(msg.attempt_id, msg.outcome,
                            "stop for an attempt this worker does not run", clock_));
  }
}

void Agent::Impl::ReleaseJob(const std::string& job_id) {
  std::lock_guard lock(mu_);
  if (!closed_) {
    loop_.Post([this, job_id] { DoReleaseJob(job_id); });
    return;
  }
  if (!options_.keep_workspaces) {
    Status s = RemoveJobWorkspaces(options_.work_dir, job_id);
    if (!s.ok()) spdlog::warn("workspace not removed job={} error={}", job_id, s.ToString());
  }
}

void Agent::Impl::Shutdown(Millis grace) {
  PG_CHECK(!loop_.InLoopThread());  // it waits for the loop
  std::lock_guard shutdown_lock(shutdown_mu_);
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
  }
  std::promise<void> done;
  std::future<void> all_finished = done.get_future();
  loop_.Post([this, grace, &done] { BeginShutdown(grace, &done); });
  all_finished.wait();

  std::lock_guard lock(mu_);
  closed_ = true;
  loop_.Stop();  // runs what was posted before closed_ was set
  pump_->Stop();
}

void Agent::Impl::DoAssign(protocol::Assignment msg) {
  PG_DCHECK(loop_.InLoopThread());
  if (FindWaiting(msg.attempt_id) != waiting_.end() || serial_by_id_.count(msg.attempt_id) != 0 ||
      RecentlyFinished(msg.attempt_id)) {
    spdlog::warn("duplicate assignment ignored attempt={}", msg.attempt_id);
    return;
  }
  if (shutting_down_) {
    RememberFinished(msg.attempt_id);
    master_.Finished(Report(msg.attempt_id, Outcome::kInterrupted, "worker shutting down", clock_));
    return;
  }
  pending_release_.erase(msg.job_id);  // the job is active again
  if (!SlotFree()) {
    waiting_.push_back(std::move(msg));
    return;
  }
  Run(std::move(msg));
}

void Agent::Impl::StartWaiting() {
  while (!shutting_down_ && !waiting_.empty() && SlotFree()) {
    protocol::Assignment next = std::move(waiting_.front());
    waiting_.pop_front();
    Run(std::move(next));
  }
}

void Agent::Impl::Run(protocol::Assignment msg) {
  const uint64_t serial = next_serial_++;
  serial_by_id_[msg.attempt_id] = serial;
  auto attempt = std::make_unique<Attempt>(context_, serial, std::move(msg));
  Attempt* raw = attempt.get();
  attempts_.emplace(serial, std::move(attempt));
  raw->Start();
  Collect(serial);
}

void Agent::Impl::DoStop(const protocol::StopRequest& msg) {
  PG_DCHECK(loop_.InLoopThread());
  auto it = serial_by_id_.find(msg.attempt_id);
  if (it != serial_by_id_.end()) {
    const uint64_t serial = it->second;
    attempts_.at(serial)->Stop(msg.outcome, msg.grace,
                               "stopped: " + std::string(Name(msg.outcome)));
    Collect(serial);
    return;
  }
  if (auto w = FindWaiting(msg.attempt_id); w != waiting_.end()) {
    const std::string job_id = w->job_id;
    waiting_.erase(w);
    RememberFinished(msg.attempt_id);
    master_.Finished(Report(msg.attempt_id, msg.outcome, "stopped before it started", clock_));
    MaybeRelease(job_id);
    return;
  }
  if (RecentlyFinished(msg.attempt_id)) return;
  // Never seen (lost in transit, or from before a restart): answer so that
  // the master's bookkeeping ends, and remember it so that a late Assign of
  // the same attempt does not run it after all.
  RememberFinished(msg.attempt_id);
  master_.Finished(
      Report(msg.attempt_id, msg.outcome, "stop for an attempt this worker does not run", clock_));
}

void Agent::Impl::DoReleaseJob(const std::string& job_id) {
  PG_DCHECK(loop_.InLoopThread());
  if (options_.keep_workspaces) return;
  if (JobHasAttempts(job_id)) {
    pending_release_.insert(job_id);
    return;
  }
  // On the control thread: a huge workspace delays timers by as long as the
  // removal takes, which is acceptable for a job that is over.
  Status s = RemoveJobWorkspaces(options_.work_dir, job_id);
  if (!s.ok()) spdlog::warn("workspace not removed job={} error={}", job_id, s.ToString());
}

void Agent::Impl::BeginShutdown(Millis grace, std::promise<void>* done) {
  PG_DCHECK(loop_.InLoopThread());
  shutting_down_ = true;
  shutdown_done_ = done;
  // Never started: handed back as they are, nothing to stop.
  for (protocol::Assignment& a : std::exchange(waiting_, {})) {
    RememberFinished(a.attempt_id);
    master_.Finished(Report(a.attempt_id, Outcome::kInterrupted, "worker shutting down", clock_));
  }
  std::vector<uint64_t> serials;
  for (auto& [serial, attempt] : attempts_) {
    attempt->Stop(Outcome::kInterrupted, grace, "worker shutting down");
    serials.push_back(serial);
  }
  for (uint64_t serial : serials) Collect(serial);
  MaybeCompleteShutdown();
}

void Agent::Impl::OnLeaderExited(uint64_t token) {
  PG_DCHECK(loop_.InLoopThread());
  auto it = attempts_.find(Attempt::SerialOf(token));
  PG_CHECK(it != attempts_.end());  // an attempt outlives its commands' events
  it->second->OnLeaderExited(Attempt::CommandOf(token));
  Collect(it->first);
}

void Agent::Impl::OnStreamClosed(uint64_t token, std::unique_ptr<LogSink> sink) {
  PG_DCHECK(loop_.InLoopThread());
  auto it = attempts_.find(Attempt::SerialOf(token));
  PG_CHECK(it != attempts_.end());
  it->second->OnStreamClosed(Attempt::CommandOf(token), std::move(sink));
  Collect(it->first);
}

void Agent::Impl::Collect(uint64_t serial) {
  auto it = attempts_.find(serial);
  if (it == attempts_.end() || !it->second->finished()) return;
  const std::string attempt_id = it->second->assignment().attempt_id;
  const std::string job_id = it->second->assignment().job_id;
  serial_by_id_.erase(attempt_id);
  attempts_.erase(it);
  RememberFinished(attempt_id);
  StartWaiting();
  MaybeRelease(job_id);
  MaybeCompleteShutdown();
}

void Agent::Impl::MaybeRelease(const std::string& job_id) {
  if (pending_release_.count(job_id) != 0 && !JobHasAttempts(job_id)) {
    pending_release_.erase(job_id);
    DoReleaseJob(job_id);
  }
}

void Agent::Impl::MaybeCompleteShutdown() {
  if (!shutting_down_ || !attempts_.empty() || shutdown_done_ == nullptr) return;
  std::exchange(shutdown_done_, nullptr)->set_value();
}

void Agent::Impl::RememberFinished(const std::string& attempt_id) {
  if (!finished_ids_.insert(attempt_id).second) return;
  finished_order_.push_back(attempt_id);
  if (finished_order_.size() > kRememberFinished) {
    finished_ids_.erase(finished_order_.front());
    finished_order_.pop_front();
  }
}

bool Agent::Impl::JobHasAttempts(const std::string& job_id) const {
  for (const protocol::Assignment& a : waiting_) {
    if (a.job_id == job_id) return true;
  }
  for (const auto& [serial, attempt] : attempts_) {
    if (attempt->assignment().job_id == job_id) return true;
  }
  return false;
}

Result<std::unique_ptr<Agent>> Agent::Create(AgentOptions options, const Clock& clock,
                                             protocol::MasterChannel& master) {
  auto impl = std::make_unique<Impl>(std::move(options), clock, master);
  PG_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Agent::~Agent() { Shutdown(Millis(0)); }

void Agent::Assign(protocol::Assignment msg) { impl_->Assign(std::move(msg)); }
void Agent::Stop(protocol::StopRequest msg) { impl_->Stop(std::move(msg)); }
void Agent::ReleaseJob(const std::string& job_id) { impl_->ReleaseJob(job_id); }
void Agent::Shutdown(Millis grace) { impl_->Shutdown(grace); }

}  // namespace pipegrid::worker
