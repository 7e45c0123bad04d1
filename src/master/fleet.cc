// The worker fleet: sessions, leases, loss and reconciliation (DESIGN §4,
// issue 4 items 4, 6-8).
//
// A worker is named by its name. Each registration opens a session; calls
// naming an older session are ignored, so a stream that ends late cannot undo
// a newer one. A worker's lease runs from its last heartbeat; past
// --worker-timeout it is LOST and its attempts end `lost`. A worker that comes
// back reports what it runs and which results it holds, and Reconcile()
// settles them against what the master recorded.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/units.h"
#include "master/scheduler_impl.h"

namespace pipegrid::master {
namespace {

constexpr const char* kWorkerLabel = "pipegrid.io/worker";
constexpr const char* kZoneLabel = "pipegrid.io/zone";

bool IsLive(const WorkerRt& w) {
  return w.info.state == WorkerState::kReady || w.info.state == WorkerState::kDraining;
}

}  // namespace

Millis Scheduler::Impl::HeartbeatInterval() const {
  // Several heartbeats fit in a lease, so one late or lost heartbeat does not
  // make a worker LOST.
  return std::clamp(options_.worker_timeout / 4, Millis(50), Millis(2'000));
}

void Scheduler::Impl::ConnectWorker(WorkerRegistration reg, protocol::WorkerChannel* channel,
                                    Reply<Result<WorkerSession>> done) {
  PG_DCHECK(loop_.InLoopThread());
  if (reg.name.empty()) return done(InvalidArgument("a worker needs a name"));
  if (reg.slots < 0) return done(InvalidArgument("slots must not be negative"));
  if (reg.prefetch < 0) return done(InvalidArgument("prefetch must not be negative"));
  if (shutting_down_) return done(Unavailable("the master is shutting down"));
  auto existing = workers_.find(reg.name);
  if (existing != workers_.end()) {
    WorkerRt& old = existing->second;
    if (IsLive(old) && !old.instance_id.empty() && !reg.instance_id.empty() &&
        old.instance_id != reg.instance_id) {
      spdlog::warn("worker refused worker={} instance={} live_instance={}", reg.name,
                   reg.instance_id, old.instance_id);
      return done(FailedPrecondition(fmt::format(
          "worker {} is live with another instance id ({}); is a second machine using the same "
          "--name? It may register once that worker's lease ({}) has run out",
          reg.name, old.instance_id, FormatDuration(options_.worker_timeout))));
    }
    if (old.channel != nullptr && old.channel != channel) {
      old.channel->Close("replaced by a new session of worker " + reg.name);
    }
  }
  WorkerRt& w = workers_[reg.name];
  w.info.name = reg.name;
  w.info.state = reg.draining ? WorkerState::kDraining : WorkerState::kReady;
  w.info.labels = std::move(reg.labels);
  w.info.labels[kWorkerLabel] = reg.name;
  if (!reg.zone.empty()) w.info.labels[kZoneLabel] = reg.zone;
  w.info.slots = reg.slots;
  w.info.slots_free = reg.slots;
  w.prefetch = reg.prefetch;
  w.info.cpu = reg.cpu;
  w.info.memory = reg.memory;
  w.info.version = reg.version;
  w.info.last_heartbeat_at = loop_.clock().Wall();
  w.info.connected = true;
  w.zone = reg.zone;
  w.instance_id = reg.instance_id;
  w.channel = channel;
  w.session = next_session_++;
  w.lease_until = loop_.clock().Monotonic() + options_.worker_timeout;
  w.cpu_free = reg.cpu;
  w.memory_free = reg.memory;

  WorkerSession session;
  session.id = w.session;
  session.lease = options_.worker_timeout;
  session.heartbeat_interval = HeartbeatInterval();
  Txn txn;
  Reconcile(txn, w, reg, session);
  spdlog::info("worker registered worker={} session={} slots={} adopted={} killed={}", w.info.name,
               session.id, reg.slots, session.adopt.size(), session.kill.size());
  txn.AfterCommit([done = std::move(done), session]() mutable { done(std::move(session)); });
  Dispatch(txn);
  Flush(txn);
  ArmLeaseSweep();
}

void Scheduler::Impl::Reconcile(Txn& txn, WorkerRt& w, const WorkerRegistration& reg,
                                WorkerSession& session) {
  const std::string& name = w.info.name;
  std::set<std::string> held = std::move(w.attempts);
  w.attempts.clear();
  auto current_here = [&](const std::string& attempt_id) -> TaskRt* {
    auto it = attempts_.find(attempt_id);
    if (it == attempts_.end() || it->second->attempt->worker != name) return nullptr;
    return it->second;
  };
  // Results first: an attempt that ended while the stream was down.
  for (const protocol::AttemptFinished& f : reg.finished) {
    TaskRt* task = current_here(f.attempt_id);
    if (task == nullptr) {
      counters_.stale_results.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("result refused: attempt is not current attempt={} worker={} outcome={}",
                   f.attempt_id, name, Name(f.outcome));
      continue;
    }
    held.erase(f.attempt_id);
    attempts_.erase(f.attempt_id);
    EndAttempt(txn, *task, f);
  }
  for (const RunningAttemptReport& r : reg.running) {
    TaskRt* task = current_here(r.attempt_id);
    if (task == nullptr) {
      session.kill.push_back(r.attempt_id);
      continue;
    }
    held.erase(r.attempt_id);
    w.attempts.insert(r.attempt_id);
    --w.info.slots_free;
    w.cpu_free -= task->spec().cpu;
    w.memory_free -= task->spec().memory;
    if (task->rec.state == TaskState::kAssigned && !r.waiting) MarkStarted(txn, *task, r.pgid, r.started_at);
    session.adopt.push_back(
        {r.attempt_id, task->job->rec.id, task->rec.name, task->attempt->number});
    // A stop decided while the worker was away reaches it now.
    if (task->stop_sent && task->job->stopping) {
      SendStop(txn, name, {r.attempt_id, *task->job->stopping, options_.cancel_grace});
    }
  }
  for (const std::string& attempt_id : held) {
    auto it = attempts_.find(attempt_id);
    if (it == attempts_.end()) continue;
    TaskRt& task = *it->second;
    attempts_.erase(it);
    EndVanishedAttempt(txn, task, "not running on worker " + name + " when it came back");
  }
}

void Scheduler::Impl::EndVanishedAttempt(Txn& txn, TaskRt& task, const std::string& reason) {
  // An assignment that never started may never have reached the worker (it
  // was on the wire when the stream broke): running it again costs nothing.
  Outcome outcome =
      task.rec.state == TaskState::kAssigned ? Outcome::kInterrupted : Outcome::kLost;
  EndAttempt(txn, task,
             {task.attempt->id, outcome, std::nullopt, std::nullopt, reason, loop_.clock().Wall()});
}

void Scheduler::Impl::EndWorkerAttempts(Txn& txn, WorkerRt& w, Outcome outcome,
                                        const std::string& reason) {
  std::set<std::string> held = std::move(w.attempts);
  w.attempts.clear();
  for (const std::string& attempt_id : held) {
    auto it = attempts_.find(attempt_id);
    if (it == attempts_.end()) continue;
    TaskRt& task = *it->second;
    attempts_.erase(it);
    EndAttempt(txn, task,
               {attempt_id, outcome, std::nullopt, std::nullopt, reason, loop_.clock().Wall()});
  }
}

WorkerRt& Scheduler::Impl::AwaitWorker(const std::string& name) {
  auto [it, added] = workers_.try_emplace(name);
  WorkerRt& w = it->second;
  if (added) {
    w.info.name = name;
    w.info.state = WorkerState::kReady;
    w.info.labels[kWorkerLabel] = name;
    w.lease_until = loop_.clock().Monotonic() + options_.worker_timeout;
  }
  return w;
}

void Scheduler::Impl::WorkerHeartbeat(const std::string& name, uint64_t session) {
  auto it = workers_.find(name);
  if (it == workers_.end() || it->second.session != session || !IsLive(it->second)) return;
  it->second.lease_until = loop_.clock().Monotonic() + options_.worker_timeout;
  it->second.info.last_heartbeat_at = loop_.clock().Wall();
}

void Scheduler::Impl::WorkerDraining(const std::string& name, uint64_t session) {
  auto it = workers_.find(name);
  if (it == workers_.end() || it->second.session != session) return;
  if (it->second.info.state == WorkerState::kReady) {
    it->second.info.state = WorkerState::kDraining;
    spdlog::info("worker draining worker={} by=worker", name);
  }
}

void Scheduler::Impl::DisconnectWorker(const std::string& name, uint64_t session,
                                       Reply<Status> done) {
  auto it = workers_.find(name);
  if (it != workers_.end() && it->second.session == session && it->second.channel != nullptr) {
    WorkerRt& w = it->second;
    w.channel = nullptr;
    w.info.connected = false;
    spdlog::warn("worker disconnected worker={} attempts={} (they wait for it up to {})", name,
                 w.attempts.size(), FormatDuration(options_.worker_timeout));
  }
  done(Status::Ok());
}

void Scheduler::Impl::DeregisterWorker(const std::string& name, uint64_t session,
                                       Reply<Status> done) {
  auto it = workers_.find(name);
  if (it == workers_.end() || (session != 0 && it->second.session != session)) {
    if (done) done(Status::Ok());
    return;
  }
  WorkerRt& w = it->second;
  w.channel = nullptr;
  w.session = 0;
  w.info.connected = false;
  w.info.state = WorkerState::kGone;
  w.info.slots_free = 0;
  w.gone_at = loop_.clock().Monotonic();
  spdlog::info("worker deregistered worker={} attempts_left={}", name, w.attempts.size());
  Txn txn;
  EndWorkerAttempts(txn, w, Outcome::kLost, "worker " + name + " left");
  Dispatch(txn);
  if (done) txn.AfterCommit([done = std::move(done)] { done(Status::Ok()); });
  Flush(txn);
  MaybeFinishShutdown();
}

void Scheduler::Impl::DrainWorker(const std::string& name, Reply<Status> done) {
  auto it = workers_.find(name);
  if (it == workers_.end() || !IsLive(it->second)) {
    return done(NotFound("worker " + name + " not found"));
  }
  // Placement takes only READY workers; what runs there finishes undisturbed.
  WorkerRt& w = it->second;
  if (w.info.state == WorkerState::kReady) {
    w.info.state = WorkerState::kDraining;
    spdlog::info("worker draining worker={} by=api", name);
  }
  if (w.channel != nullptr) w.channel->Drain();
  done(Status::Ok());
}

std::vector<WorkerInfo> Scheduler::Impl::ListWorkers() const {
  std::vector<WorkerInfo> out;
  for (const auto& [name, w] : workers_) {
    out.push_back(w.info);
    out.back().slots_free = std::max(0, w.info.slots_free);  // prefetch holds more
    out.back().connected = w.channel != nullptr;
    out.back().running = static_cast<int>(w.attempts.size());
  }
  return out;
}

void Scheduler::Impl::ArmLeaseSweep() {
  // worker_timeout 0 turns loss detection off (tests that drive a fake clock
  // far ahead without heartbeats).
  if (lease_timer_ != 0 || options_.worker_timeout <= Millis(0)) return;
  Millis every = std::clamp(options_.worker_timeout / 10, Millis(20), Millis(500));
  lease_timer_ = loop_.RunAfter(every, [this] {
    lease_timer_ = 0;
    SweepLeases();
    if (!workers_.empty()) ArmLeaseSweep();
  });
}

void Scheduler::Impl::SweepLeases() {
  MonoTime now = loop_.clock().Monotonic();
  Txn txn;
  bool lost_any = false;
  for (auto it = workers_.begin(); it != workers_.end();) {
    WorkerRt& w = it->second;
    if (w.info.state == WorkerState::kGone && now - w.gone_at > options_.gone_retention) {
      it = workers_.erase(it);
      continue;
    }
    if (IsLive(w) && now > w.lease_until) {
      lost_any = true;
      counters_.workers_lost.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("worker lost worker={} silent_for>{} attempts={}", w.info.name,
                   FormatDuration(options_.worker_timeout), w.attempts.size());
      w.info.state = WorkerState::kLost;
      w.info.slots_free = 0;
      w.info.connected = false;
      w.session = 0;
      // Its late reports must not count: the session ends here.
      if (w.channel != nullptr) w.channel->Close("lease expired: no heartbeat within " +
                                                 FormatDuration(options_.worker_timeout));
      w.channel = nullptr;
      EndWorkerAttempts(txn, w, Outcome::kLost,
                        fmt::format("worker {} lost: no heartbeat for {}", w.info.name,
                                    FormatDuration(options_.worker_timeout)));
    }
    ++it;
  }
  if (!lost_any) return;
  Dispatch(txn);
  Flush(txn);
}

}  // namespace pipegrid::master
