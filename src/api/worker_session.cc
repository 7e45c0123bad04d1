#include "api/worker_session.h"

#include <spdlog/spdlog.h>

#include "wire/convert.h"

namespace pipegrid::api {

WorkerSession* WorkerSession::Start(grpc::CallbackServerContext* context,
                                    master::Scheduler& scheduler, const std::string& log_dir,
                                    const std::string& outputs_dir) {
  auto session = std::make_shared<WorkerSession>(context, scheduler, log_dir, outputs_dir);
  session->self_ = session;
  session->StartRead(&session->in_);
  return session.get();
}

WorkerSession::WorkerSession(grpc::CallbackServerContext* context, master::Scheduler& scheduler,
                             const std::string& log_dir, const std::string& outputs_dir)
    : scheduler_(scheduler), logs_(log_dir), outputs_(outputs_dir), peer_(context->peer()) {}

void WorkerSession::OnReadDone(bool ok) {
  if (!ok) return Detach();
  Handle(in_);
}

void WorkerSession::Handle(const v1::WorkerMessage& msg) {
  Phase phase;
  {
    std::lock_guard lock(mu_);
    phase = phase_;
  }
  if (phase == Phase::kAwaitRegister) {
    if (!msg.has_registration()) {
      spdlog::warn("worker stream refused peer={}: first message is not Register", peer_);
      return FinishOnce(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                     "the first message of a worker stream must be Register"));
    }
    return OnRegister(msg.registration());  // reads resume once registered
  }
  if (phase != Phase::kLive) return;
  if (!msg.has_batch()) {
    if (HandleLive(msg)) StartRead(&in_);
    return;
  }
  for (const v1::WorkerMessage& m : msg.batch().messages()) {
    if (m.has_batch()) continue;  // never nested
    if (!HandleLive(m)) return;
  }
  StartRead(&in_);
}

bool WorkerSession::HandleLive(const v1::WorkerMessage& msg) {
  switch (msg.kind_case()) {
    case v1::WorkerMessage::kStarted:
      scheduler_.Started(wire::FromProto(msg.started()));
      break;
    case v1::WorkerMessage::kLogChunk:
      logs_.Write(msg.log_chunk().attempt_id(), msg.log_chunk().offset(), msg.log_chunk().data());
      break;
    case v1::WorkerMessage::kOutputChunk: {
      const v1::OutputFileChunk& c = msg.output_chunk();
      outputs_.Write(c.attempt_id(), c.path(), c.offset(), c.data());
      break;
    }
    case v1::WorkerMessage::kFinished: {
      // The worker sends an attempt's last output and its kept files before
      // its Finished, and reads are in order: both are complete by now.
      logs_.Finish(msg.finished().attempt_id());
      protocol::AttemptFinished finished = wire::FromProto(msg.finished());
      finished.workspace.clear();  // on the master: where its files are staged
      Result<std::string> staged = outputs_.Complete(finished);
      if (staged.ok()) {
        finished.workspace = *staged;
      } else {
        // The work ran, its result did not arrive intact: run it again.
        spdlog::warn("attempt result refused worker={} attempt={}: {}", name_,
                     finished.attempt_id, staged.status().message());
        finished.outcome = Outcome::kExit;
        finished.exit_code.reset();
        finished.reason = staged.status().message();
        finished.outputs.clear();
      }
      scheduler_.Finished(std::move(finished));
      break;
    }
    case v1::WorkerMessage::kHeartbeat:
      scheduler_.WorkerHeartbeat(name_, session_);
      break;
    case v1::WorkerMessage::kDraining:
      spdlog::info("worker draining worker={} reason=\"{}\"", name_, msg.draining().reason());
      scheduler_.WorkerDraining(name_, session_);
      break;
    case v1::WorkerMessage::kDeregister: {
      {
        std::lock_guard lock(mu_);
        phase_ = Phase::kEnding;
      }
      spdlog::info("worker leaving worker={} reason=\"{}\"", name_, msg.deregister().reason());
      scheduler_.DeregisterWorker(name_, session_, [self = shared_from_this()](Status) {
        self->FinishOnce(grpc::Status::OK);
      });
      return false;  // nothing may follow a Deregister
    }
    case v1::WorkerMessage::kRegistration:
      spdlog::warn("worker stream worker={}: Register on a live session ignored", name_);
      break;
    case v1::WorkerMessage::kBatch:  // handled by Handle(); never nested
    case v1::WorkerMessage::KIND_NOT_SET:
      break;  // a newer worker's message this master does not know
  }
  return true;
}

void WorkerSession::OnRegister(const v1::Register& reg) {
  if (reg.protocol_version() != wire::kProtocolMajor) {
    return Refuse(fmt::format("protocol version {} is not supported (this master speaks {})",
                              reg.protocol_version(), wire::kProtocolMajor),
                  /*permanent=*/true);
  }
  master::WorkerRegistration r;
  r.name = reg.name();
  r.instance_id = reg.instance_id();
  r.labels.insert(reg.labels().begin(), reg.labels().end());
  r.zone = reg.zone();
  r.slots = reg.slots();
  r.prefetch = reg.prefetch();
  r.cpu = reg.cpu();
  r.memory = reg.memory_bytes();
  r.version = reg.version();
  r.draining = reg.draining();
  for (const v1::RunningAttempt& a : reg.running()) {
    r.running.push_back(
        {a.attempt_id(), a.pgid(), wire::FromMillis(a.started_at_ms()), a.waiting()});
  }
  for (const v1::Finished& f : reg.finished()) {
    // A success whose kept files cannot be checked any more (they were sent
    // on the broken stream) is left out: the attempt ends as vanished and
    // runs again, unless the master had recorded it already.
    if (f.outputs_size() > 0) continue;
    r.finished.push_back(wire::FromProto(f));
  }
  {
    std::lock_guard lock(mu_);
    phase_ = Phase::kRegistering;
    name_ = reg.name();
    peer_batches_ = reg.batches();
  }
  spdlog::info("worker connecting worker={} instance={} version={} peer={} running={} finished={}",
               reg.name(), reg.instance_id(), reg.version(), peer_, reg.running_size(),
               reg.finished_size());
  scheduler_.ConnectWorker(std::move(r), this,
                           [self = shared_from_this()](Result<master::WorkerSession> s) {
                             self->OnRegistered(std::move(s));
                           });
}

void WorkerSession::OnRegistered(Result<master::WorkerSession> session) {
  if (!session.ok()) {
    // The scheduler did not take the channel: nothing to detach.
    return Refuse(session.status().message(), /*permanent=*/false);
  }
  v1::MasterMessage msg;
  v1::Registered* r = msg.mutable_registered();
  r->set_lease_ms(session->lease.count());
  r->set_heartbeat_interval_ms(session->heartbeat_interval.count());
  r->set_batches(true);
  for (const master::AdoptedAttempt& a : session->adopt) {
    logs_.Expect(a.attempt_id, a.job_id, a.task_name, a.attempt_number);
    outputs_.Expect(a.attempt_id);
    r->add_adopt(a.attempt_id);
    (*r->mutable_log_offsets())[a.attempt_id] = logs_.Size(a.attempt_id);
  }
  for (const std::string& k : session->kill) r->add_kill(k);
  std::vector<v1::MasterMessage> held;
  bool live = false;
  {
    std::lock_guard lock(mu_);
    session_ = session->id;
    // Unless a newer session of the same worker has closed this one already.
    live = phase_ == Phase::kRegistering;
    if (live) phase_ = Phase::kLive;
    held = std::move(before_registered_);
    before_registered_.clear();
  }
  Send(std::move(msg));
  for (auto& m : held) Send(std::move(m));
  if (live) StartRead(&in_);
}

void WorkerSession::Refuse(const std::string& reason, bool permanent) {
  spdlog::warn("worker refused worker={} peer={} permanent={}: {}", name_, peer_, permanent,
               reason);
  v1::MasterMessage msg;
  msg.mutable_refused()->set_reason(reason);
  msg.mutable_refused()->set_permanent(permanent);
  Send(std::move(msg));
  FinishOnce(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, reason));
}

void WorkerSession::Assign(protocol::Assignment a) {
  logs_.Expect(a.attempt_id, a.job_id, a.task_name, a.attempt_number);
  outputs_.Expect(a.attempt_id);
  v1::MasterMessage msg;
  wire::ToProto(a, msg.mutable_assign());
  SendLive(std::move(msg));
}

void WorkerSession::Stop(protocol::StopRequest req) {
  v1::MasterMessage msg;
  wire::ToProto(req, msg.mutable_stop());
  SendLive(std::move(msg));
}

void WorkerSession::ReleaseJob(const std::string& job_id) {
  v1::MasterMessage msg;
  msg.mutable_release_job()->set_job_id(job_id);
  SendLive(std::move(msg));
}

void WorkerSession::Drain() {
  v1::MasterMessage msg;
  msg.mutable_drain();
  SendLive(std::move(msg));
}

void WorkerSession::Close(const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    phase_ = Phase::kEnding;
  }
  spdlog::warn("worker session closed worker={} reason=\"{}\"", name_, reason);
  FinishOnce(grpc::Status(grpc::StatusCode::ABORTED, reason));
}

void WorkerSession::SendLive(v1::MasterMessage msg) {
  {
    std::lock_guard lock(mu_);
    if (phase_ == Phase::kRegistering) {
      before_registered_.push_back(std::move(msg));
      return;
    }
  }
  Send(std::move(msg));
}

void WorkerSession::Send(v1::MasterMessage msg) {
  std::lock_guard lock(mu_);
  if (finish_requested_) return;
  outbox_.push_back(std::move(msg));
  if (!writing_) StartNextWriteLocked();
}

void WorkerSession::StartNextWriteLocked() {
  writing_ = true;
  auto batchable = [](const v1::MasterMessage& m) {
    return !m.has_registered() && !m.has_refused() && !m.has_batch();
  };
  // What queued while the last write was out goes in one write: under load
  // a worker's assignments cost one stream write, not one each.
  if (peer_batches_ && outbox_.size() > 1 && batchable(outbox_.front())) {
    in_flight_.Clear();
    v1::MasterBatch* batch = in_flight_.mutable_batch();
    while (!outbox_.empty() && batchable(outbox_.front())) {
      *batch->add_messages() = std::move(outbox_.front());
      outbox_.pop_front();
    }
  } else {
    in_flight_ = std::move(outbox_.front());
    outbox_.pop_front();
  }
  StartWrite(&in_flight_);
}

void WorkerSession::OnWriteDone(bool ok) {
  std::lock_guard lock(mu_);
  if (!ok) outbox_.clear();  // the stream is broken; the read side notices too
  if (!outbox_.empty()) return StartNextWriteLocked();
  writing_ = false;
  if (finish_requested_ && !finished_) {
    finished_ = true;
    Finish(finish_status_);
  }
}

void WorkerSession::Detach() {
  Phase phase;
  {
    std::lock_guard lock(mu_);
    phase = phase_;
    if (phase_ == Phase::kLive) phase_ = Phase::kEnding;
  }
  switch (phase) {
    case Phase::kLive:
      scheduler_.DisconnectWorker(name_, session_, [self = shared_from_this()](Status) {
        self->FinishOnce(grpc::Status::OK);
      });
      break;
    case Phase::kAwaitRegister:
      FinishOnce(grpc::Status::OK);
      break;
    case Phase::kRegistering:  // no read is outstanding while registering
    case Phase::kEnding:       // Close() or a Deregister finishes the stream
      break;
  }
}

void WorkerSession::FinishOnce(grpc::Status status) {
  std::lock_guard lock(mu_);
  if (finish_requested_) return;
  finish_requested_ = true;
  finish_status_ = std::move(status);
  // Whatever is queued (a Refused) goes out first.
  if (!writing_) {
    finished_ = true;
    Finish(finish_status_);
  }
}

void WorkerSession::OnDone() {
  std::shared_ptr<WorkerSession> self;
  {
    std::lock_guard lock(mu_);
    self = std::move(self_);
  }
  // `self` may be the last reference: the session ends with this scope.
}

}  // namespace pipegrid::api
