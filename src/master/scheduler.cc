// Thread-safe facade: every public call becomes a message on the loop.
#include "master/scheduler.h"

#include "master/scheduler_impl.h"

namespace pipegrid::master {

Scheduler::Scheduler(EventLoop& loop, store::Store& store, store::Committer& committer,
                     IdGenerator& ids, SchedulerOptions options)
    : loop_(loop),
      impl_(std::make_unique<Impl>(loop, store, committer, ids, options, counters_)) {}

Scheduler::~Scheduler() = default;

Status Scheduler::Recover() { return impl_->Recover(); }

void Scheduler::Submit(spec::JobSpec spec, Reply<Result<SubmitResult>> done) {
  counters_.submits.fetch_add(1, std::memory_order_relaxed);
  // Off the loop: with many HTTP submits in flight, their serialisation and
  // DAG checks run beside the scheduler instead of inside it.
  Impl::Prepared prepared = Impl::Prepare(spec);
  loop_.Post([this, s = std::move(spec), p = std::move(prepared), d = std::move(done)]() mutable {
    impl_->Submit(std::move(s), std::move(p), std::move(d));
  });
}

void Scheduler::Cancel(const std::string& job_id, bool kill, Reply<Status> done) {
  loop_.Post([this, job_id, kill, d = std::move(done)]() mutable {
    impl_->Cancel(job_id, kill, std::move(d));
  });
}

void Scheduler::Retry(const std::string& job_id, Reply<Status> done) {
  loop_.Post([this, job_id, d = std::move(done)]() mutable { impl_->Retry(job_id, std::move(d)); });
}

void Scheduler::Delete(const std::string& job_id, Reply<Status> done) {
  loop_.Post(
      [this, job_id, d = std::move(done)]() mutable { impl_->Delete(job_id, std::move(d)); });
}

void Scheduler::Purge(std::vector<std::string> job_ids, Reply<Status> done) {
  loop_.Post([this, ids = std::move(job_ids), d = std::move(done)]() mutable {
    impl_->Purge(std::move(ids), std::move(d));
  });
}

void Scheduler::RequeueDeadLetter(const std::string& task_id, Reply<Status> done) {
  loop_.Post([this, task_id, d = std::move(done)]() mutable {
    impl_->RequeueDeadLetter(task_id, std::move(d));
  });
}

void Scheduler::ListWorkers(Reply<std::vector<WorkerInfo>> done) {
  loop_.Post([this, d = std::move(done)] { d(impl_->ListWorkers()); });
}

void Scheduler::Shutdown(Millis grace, Reply<Status> done, bool interrupt_attempts) {
  loop_.Post([this, grace, d = std::move(done), interrupt_attempts]() mutable {
    impl_->Shutdown(grace, std::move(d), interrupt_attempts);
  });
}

void Scheduler::ConnectWorker(WorkerRegistration reg, protocol::WorkerChannel* channel,
                              Reply<Result<WorkerSession>> done) {
  loop_.Post([this, r = std::move(reg), channel, d = std::move(done)]() mutable {
    impl_->ConnectWorker(std::move(r), channel, std::move(d));
  });
}

void Scheduler::RegisterWorker(WorkerRegistration reg, protocol::WorkerChannel* channel,
                               Reply<Status> done) {
  ConnectWorker(std::move(reg), channel,
                [d = std::move(done)](Result<WorkerSession> s) { d(s.status()); });
}

void Scheduler::WorkerHeartbeat(const std::string& name, uint64_t session) {
  loop_.Post([this, name, session] { impl_->WorkerHeartbeat(name, session); });
}

void Scheduler::WorkerDraining(const std::string& name, uint64_t session) {
  loop_.Post([this, name, session] { impl_->WorkerDraining(name, session); });
}

void Scheduler::DisconnectWorker(const std::string& name, uint64_t session, Reply<Status> done) {
  loop_.Post([this, name, session, d = std::move(done)]() mutable {
    impl_->DisconnectWorker(name, session, std::move(d));
  });
}

void Scheduler::DeregisterWorker(const std::string& name, uint64_t session, Reply<Status> done) {
  loop_.Post([this, name, session, d = std::move(done)]() mutable {
    impl_->DeregisterWorker(name, session, std::move(d));
  });
}

void Scheduler::DrainWorker(const std::string& name, Reply<Status> done) {
  loop_.Post([this, name, d = std::move(done)]() mutable { impl_->DrainWorker(name, std::move(d)); });
}

void Scheduler::Started(protocol::AttemptStarted msg) {
  loop_.Post([this, m = std::move(msg)] { impl_->OnStarted(m); });
}

void Scheduler::Finished(protocol::AttemptFinished msg) {
  loop_.Post([this, m = std::move(msg)] { impl_->OnFinished(m); });
}

}  // namespace pipegrid::master
