#include "worker/remote/worker_client.h"

#include "common/thread_name.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "common/units.h"
#include "wire/convert.h"
#include "worker/agent.h"
#include "worker/posix_util.h"
#include "worker/task_files.h"

namespace pipegrid::worker {
namespace {

// Well under gRPC's 4 MiB message limit; large enough to keep up with a
// chatty tool.
constexpr size_t kChunkBytes = 64 * 1024;
// Per attempt and pass, so one flooding attempt cannot starve the others.
constexpr int64_t kShipBytesPerPass = 1 << 20;

v1::WorkerMessage LogChunk(const std::string& attempt_id, int64_t offset, std::string data) {
  v1::WorkerMessage m;
  v1::LogChunk* c = m.mutable_log_chunk();
  c->set_attempt_id(attempt_id);
  c->set_offset(offset);
  c->set_data(std::move(data));
  return m;
}

}  // namespace

WorkerClient::WorkerClient(WorkerClientOptions options, ChannelFactory channels)
    : options_(std::move(options)), channels_(std::move(channels)) {}

WorkerClient::~WorkerClient() { Stop(); }

void WorkerClient::Start(protocol::WorkerChannel& agent) {
  agent_ = &agent;
  session_thread_ = std::thread([this] {
    NameThisThread("pg-wk-session");
    SessionLoop();
  });
  fetcher_thread_ = std::thread([this] {
    NameThisThread("pg-wk-fetcher");
    FetcherLoop();
  });
}

Status WorkerClient::WaitRegistered(Millis timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return ever_registered_ || refused_ || ended_; });
  if (refused_) return *refused_;
  if (!ever_registered_) return Unavailable("the worker could not register with the master");
  return Status::Ok();
}

bool WorkerClient::draining() const {
  std::lock_guard lock(mu_);
  return draining_;
}

Status WorkerClient::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return ended_.has_value(); });
  return *ended_;
}

void WorkerClient::EndWith(Status status) {
  std::lock_guard lock(mu_);
  if (!ended_) ended_ = std::move(status);
  stopping_ = true;
  if (context_ != nullptr) context_->TryCancel();
  cv_.notify_all();
  fetch_cv_.notify_all();
}

void WorkerClient::Stop() {
  EndWith(Aborted("stopped"));
  if (session_thread_.joinable() && session_thread_.get_id() != std::this_thread::get_id()) {
    session_thread_.join();
  }
  if (drain_thread_.joinable() && drain_thread_.get_id() != std::this_thread::get_id()) {
    drain_thread_.join();
  }
  if (fetcher_thread_.joinable()) fetcher_thread_.join();
}

// --- sessions ---------------------------------------------------------------

void WorkerClient::SessionLoop() {
  std::mt19937_64 rng(std::random_device{}());
  Millis backoff = options_.reconnect_min;
  while (true) {
    bool registered = RunSession(channels_());
    std::unique_lock lock(mu_);
    if (stopping_) break;
    if (refused_) {
      lock.unlock();
      EndWith(*refused_);
      return;
    }
    if (registered) backoff = options_.reconnect_min;
    // Jitter keeps a fleet from reconnecting in lockstep after a master restart.
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    auto wait = Millis(static_cast<int64_t>(backoff.count() * jitter(rng)));
    cv_.wait_for(lock, wait, [&] { return stopping_; });
    backoff = std::min(backoff * 2, options_.reconnect_max);
  }
}

bool WorkerClient::RunSession(std::shared_ptr<grpc::Channel> channel) {
  grpc::ClientContext context;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    context_ = &context;
    channel_ = channel;
  }
  auto forget_context = [&] {
    std::lock_guard lock(mu_);
    context_ = nullptr;
  };
  auto stub = v1::WorkerService::NewStub(channel);
  auto stream = stub->Connect(&context);
  size_t reported_results = 0;
  v1::WorkerMessage reg = MakeRegister();
  reported_results = static_cast<size_t>(reg.registration().finished_size());
  v1::MasterMessage msg;
  if (!stream->Write(reg) || !stream->Read(&msg)) {
    forget_context();
    grpc::Status s = stream->Finish();
    spdlog::warn("cannot register with the master: {} ({}); retrying", s.error_message(),
                 static_cast<int>(s.error_code()));
    return false;
  }
  if (msg.has_refused()) {
    spdlog::error("the master refused this worker: {}", msg.refused().reason());
    if (msg.refused().permanent()) {
      std::lock_guard lock(mu_);
      refused_ = FailedPrecondition("the master refused this worker: " + msg.refused().reason());
    }
    forget_context();
    stream->Finish();
    return false;
  }
  if (!msg.has_registered()) {
    spdlog::error("protocol error: the master's first message is not Registered");
    forget_context();
    context.TryCancel();
    stream->Finish();
    return false;
  }
  {
    std::lock_guard lock(mu_);
    // The master recorded the results this Register carried.
    size_t n = std::min(reported_results, unconfirmed_.size());
    unconfirmed_.erase(unconfirmed_.begin(), unconfirmed_.begin() + static_cast<long>(n));
  }
  HandleRegistered(msg.registered());
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
  }
  std::thread writer([&, generation] {
    NameThisThread("pg-wk-writer");
    WriterLoop(stream.get(), generation);
  });
  while (stream->Read(&msg)) HandleMasterMessage(msg);
  bool deregistered;
  {
    std::lock_guard lock(mu_);
    connected_ = false;
    ++generation_;
    outbox_.clear();
    started_.clear();
    // Attempts whose result was not sent stay held: the next Register
    // reports them running, and once adopted their output and result go.
    deregistered = deregistered_;
    cv_.notify_all();
  }
  // Unblocks a Write in progress; after a Deregister the writer is done and
  // the master's own end of the stream is the answer.
  if (!deregistered) context.TryCancel();
  writer.join();
  forget_context();
  grpc::Status s = stream->Finish();
  if (deregistered) {
    spdlog::info("deregistered from the master");
    EndWith(Status::Ok());
  } else if (!s.ok() || !stopping_) {
    spdlog::warn("stream to the master ended: {} ({}); reconnecting", s.error_message(),
                 static_cast<int>(s.error_code()));
  }
  return true;
}

v1::WorkerMessage WorkerClient::MakeRegister() {
  v1::WorkerMessage m;
  v1::Register* r = m.mutable_registration();
  r->set_name(options_.name);
  r->set_instance_id(options_.instance_id);
  r->set_version(options_.version);
  r->set_protocol_version(wire::kProtocolMajor);
  for (const auto& [k, v] : options_.labels) (*r->mutable_labels())[k] = v;
  r->set_zone(options_.zone);
  r->set_slots(options_.slots);
  r->set_prefetch(options_.prefetch);
  r->set_batches(true);
  r->set_cpu(options_.cpu);
  r->set_memory_bytes(options_.memory);
  std::lock_guard lock(mu_);
  r->set_draining(draining_);
  for (const auto& [id, h] : held_) {
    v1::RunningAttempt* a = r->add_running();
    a->set_attempt_id(id);
    a->set_pgid(h.pgid);
    a->set_waiting(!h.started);
    // Not started yet: it is about to, so the master counts it as running.
    a->set_started_at_ms(wire::ToMillis(h.started ? h.started_at : SystemClock::Instance().Wall()));
  }
  for (const auto& [when, f] : unconfirmed_) wire::ToProto(f, r->add_finished());
  return m;
}

void WorkerClient::HandleRegistered(const v1::Registered& r) {
  std::vector<std::string> kill(r.kill().begin(), r.kill().end());
  {
    std::lock_guard lock(mu_);
    connected_ = true;
    ever_registered_ = true;
    ++generation_;
    heartbeat_interval_ = Millis(std::max<int64_t>(r.heartbeat_interval_ms(), 10));
    master_batches_ = r.batches();
    lease_ = Millis(r.lease_ms());
    outbox_.clear();
    started_.clear();
    for (const std::string& id : r.adopt()) {
      auto it = held_.find(id);
      if (it == held_.end()) continue;
      auto offset = r.log_offsets().find(id);
      it->second.shipped = offset != r.log_offsets().end() ? offset->second : 0;
      // Finished while away: its output tail, files and result go now.
      if (it->second.result) outbox_.push_back(FinishedItem{*it->second.result});
    }
    for (auto id = kill.begin(); id != kill.end();) {
      auto it = held_.find(*id);
      if (it != held_.end() && it->second.result) {
        held_.erase(it);  // over already; the master does not want its result
        id = kill.erase(id);
      } else {
        killed_.insert(*id);
        ++id;
      }
    }
    if (draining_) {
      v1::WorkerMessage d;
      d.mutable_draining()->set_reason("draining");
      outbox_.push_back(std::move(d));
    }
    cv_.notify_all();
  }
  spdlog::info("registered with the master worker={} adopted={} killed={} lease={}",
               options_.name, r.adopt_size(), kill.size(), FormatDuration(Millis(r.lease_ms())));
  // The master no longer wants these: kill without reporting (see Finished).
  for (const std::string& id : kill) agent_->Stop({id, Outcome::kKilled, Millis(0)});
}

void WorkerClient::HandleMasterMessage(const v1::MasterMessage& msg) {
  switch (msg.kind_case()) {
    case v1::MasterMessage::kBatch:
      for (const v1::MasterMessage& m : msg.batch().messages()) {
        if (!m.has_batch()) HandleMasterMessage(m);  // never nested
      }
      break;
    case v1::MasterMessage::kAssign: {
      protocol::Assignment a = wire::FromProto(msg.assign());
      {
        std::lock_guard lock(mu_);
        Held& h = held_[a.attempt_id];
        if (options_.ship_logs) {
          h.log_path = LogPath(options_.log_dir, a.job_id, a.task_name, a.attempt_number);
        }
      }
      if (!a.inputs.empty()) {
        std::lock_guard lock(mu_);
        fetch_queue_.push_back(std::move(a));
        fetch_cv_.notify_one();
        break;
      }
      agent_->Assign(std::move(a));
      break;
    }
    case v1::MasterMessage::kStop:
      agent_->Stop(wire::FromProto(msg.stop()));
      break;
    case v1::MasterMessage::kReleaseJob:
      agent_->ReleaseJob(msg.release_job().job_id());
      break;
    case v1::MasterMessage::kDrain:
      if (!options_.exit_on_drain) {
        spdlog::info("the master drains this worker: taking no new work");
        break;
      }
      {
        std::lock_guard lock(mu_);
        if (draining_ || drain_thread_.joinable()) break;
        spdlog::info("the master drains this worker: finishing what runs, then leaving");
        drain_thread_ = std::thread([this] { DrainThread("drained by the master"); });
      }
      break;
    default:
      break;
  }
}

// --- writer: outbox, heartbeats, output -------------------------------------

void WorkerClient::WriterLoop(
    grpc::ClientReaderWriter<v1::WorkerMessage, v1::MasterMessage>* stream, uint64_t generation) {
  auto now = [] { return std::chrono::steady_clock::now(); };
  auto next_heartbeat = now();
  auto next_ship = now();
  uint64_t heartbeat_seq = 0;
  bool deregister_sent = false;
  while (true) {
    std::vector<v1::WorkerMessage> batch;
    std::optional<protocol::AttemptFinished> finishing;
    std::vector<protocol::AttemptFinished> finished_sent;  // in `batch`
    {
      std::unique_lock lock(mu_);
      auto wake = std::min(next_heartbeat, options_.ship_logs && !held_.empty()
                                               ? next_ship
                                               : next_heartbeat);
      auto started_due = [&] {
        return !started_.empty() && now() >= started_.front().first + options_.started_delay;
      };
      if (!started_.empty()) wake = std::min(wake, started_.front().first + options_.started_delay);
      // A first Started moves the wake-up earlier: back to the top for it.
      const bool had_started = !started_.empty();
      cv_.wait_until(lock, wake, [&] {
        return stopping_ || generation_ != generation || !outbox_.empty() || started_due() ||
               (!had_started && !started_.empty());
      });
      if (generation_ != generation || !connected_ || deregister_sent) return;
      if (!outbox_.empty() || started_due()) {
        for (auto& [when, m] : started_) batch.push_back(std::move(m));
        started_.clear();
      }
      if (options_.ship_logs && now() >= next_ship) {
        for (auto& [id, h] : held_) {
          if (!h.log_path.empty()) ShipLog(id, h, batch);
        }
        next_ship = now() + options_.ship_interval;
      }
      while (!outbox_.empty()) {
        Outgoing item = std::move(outbox_.front());
        outbox_.pop_front();
        if (auto* m = std::get_if<v1::WorkerMessage>(&item)) {
          // Marked before it is written: the master may end the stream in
          // answer before this thread runs again.
          if (m->has_deregister()) deregister_sent = deregistered_ = true;
          batch.push_back(std::move(*m));
          continue;
        }
        // An attempt's last output goes before its Finished, then its
        // files (streamed below, outside the lock), then the Finished.
        protocol::AttemptFinished f = std::move(std::get<FinishedItem>(item).msg);
        auto h = held_.find(f.attempt_id);
        if (h != held_.end() && !h->second.log_path.empty()) {
          int64_t before;
          do {
            before = h->second.shipped;
            ShipLog(f.attempt_id, h->second, batch);
          } while (h->second.shipped != before);
        }
        if (f.outputs.empty()) {  // nothing to stream: it joins the batch
          v1::WorkerMessage m;
          wire::ToProto(f, m.mutable_finished());
          batch.push_back(std::move(m));
          finished_sent.push_back(std::move(f));
          continue;
        }
        finishing = std::move(f);
        break;
      }
      if (now() >= next_heartbeat) {
        v1::WorkerMessage hb;
        hb.mutable_heartbeat()->set_seq(++heartbeat_seq);
        hb.mutable_heartbeat()->set_slots_free(
            std::max(0, options_.slots - static_cast<int>(RunningLocked())));
        batch.push_back(std::move(hb));
        next_heartbeat = now() + heartbeat_interval_;
      }
    }
    if (!batch.empty() && !WriteMessages(stream, std::move(batch))) return;  // broken: the reader sees it too
    if (!finished_sent.empty()) MarkWritten(std::move(finished_sent));
    if (finishing) {
      if (!ShipOutputs(stream, *finishing)) return;
      v1::WorkerMessage m;
      wire::ToProto(*finishing, m.mutable_finished());
      if (!stream->Write(m)) return;
      std::vector<protocol::AttemptFinished> one;
      one.push_back(std::move(*finishing));
      MarkWritten(std::move(one));
    }
    if (deregister_sent) {
      stream->WritesDone();
      return;
    }
  }
}

void WorkerClient::MarkWritten(std::vector<protocol::AttemptFinished> results) {
  std::lock_guard lock(mu_);
  // Written, perhaps not read: reported again if the stream breaks soon
  // (see Register.finished), pruned after two leases.
  auto written = std::chrono::steady_clock::now();
  while (!unconfirmed_.empty() && unconfirmed_.front().first + 2 * lease_ < written) {
    unconfirmed_.pop_front();
  }
  for (protocol::AttemptFinished& f : results) {
    held_.erase(f.attempt_id);
    unconfirmed_.emplace_back(written, std::move(f));
  }
  cv_.notify_all();  // a drain waits for held_ to empty
}

bool WorkerClient::WriteMessages(
    grpc::ClientReaderWriter<v1::WorkerMessage, v1::MasterMessage>* stream,
    std::vector<v1::WorkerMessage> messages) {
  bool batches;
  {
    std::lock_guard lock(mu_);
    batches = master_batches_;
  }
  // A Deregister ends the stream on the master's side: it goes on its own.
  bool deregister = std::any_of(messages.begin(), messages.end(),
                                [](const auto& m) { return m.has_deregister(); });
  if (batches && messages.size() > 1 && !deregister) {
    v1::WorkerMessage one;
    for (v1::WorkerMessage& m : messages) *one.mutable_batch()->add_messages() = std::move(m);
    return stream->Write(one);
  }
  for (const v1::WorkerMessage& m : messages) {
    if (!stream->Write(m)) return false;
  }
  return true;
}

void WorkerClient::ShipLog(const std::string& attempt_id, Held& held,
                           std::vector<v1::WorkerMessage>& out) {
  UniqueFd fd(::open(held.log_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return;  // not created yet
  int64_t budget = kShipBytesPerPass;
  std::string buf(kChunkBytes, '\0');
  while (budget > 0) {
    ssize_t n = ::pread(fd.get(), buf.data(), buf.size(), held.shipped);
    if (n <= 0) return;
    out.push_back(LogChunk(attempt_id, held.shipped, buf.substr(0, static_cast<size_t>(n))));
    held.shipped += n;
    budget -= n;
  }
}

void WorkerClient::Enqueue(Outgoing item) {
  // Caller holds mu_.
  if (!connected_) return;
  outbox_.push_back(std::move(item));
  cv_.notify_all();
}

// --- reports from the agent -------------------------------------------------

void WorkerClient::Started(protocol::AttemptStarted msg) {
  std::lock_guard lock(mu_);
  auto it = held_.find(msg.attempt_id);
  if (it != held_.end()) {
    it->second.started = true;
    it->second.pgid = msg.pgid;
    it->second.started_at = msg.started_at;
  }
  v1::WorkerMessage m;
  wire::ToProto(msg, m.mutable_started());
  if (options_.started_delay <= Millis(0)) return Enqueue(std::move(m));
  if (!connected_) return;  // the next Register reports it running
  started_.emplace_back(std::chrono::steady_clock::now(), std::move(m));
  cv_.notify_all();
}

void WorkerClient::Finished(protocol::AttemptFinished msg) {
  std::lock_guard lock(mu_);
  if (killed_.erase(msg.attempt_id) != 0) {
    held_.erase(msg.attempt_id);
    cv_.notify_all();
    return;
  }
  auto it = held_.find(msg.attempt_id);
  if (it != held_.end()) {
    it->second.finished = true;
    it->second.result = msg;
  }
  // Disconnected: sent once the master adopts it again (HandleRegistered).
  if (connected_) Enqueue(FinishedItem{std::move(msg)});
  cv_.notify_all();
}

size_t WorkerClient::RunningLocked() const {
  return static_cast<size_t>(std::count_if(held_.begin(), held_.end(),
                                           [](const auto& h) { return !h.second.finished; }));
}

// --- drain ------------------------------------------------------------------

void WorkerClient::Drain(const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    if (!draining_ && !drain_thread_.joinable() && !stopping_) {
      drain_thread_ = std::thread([this, reason] { DrainThread(reason); });
    }
  }
  Status ended = Wait();
  if (!ended.ok()) spdlog::warn("drain ended: {}", ended.message());
}

void WorkerClient::DrainThread(std::string reason) {
  std::unique_lock lock(mu_);
  if (draining_) return;
  draining_ = true;
  v1::WorkerMessage d;
  d.mutable_draining()->set_reason(reason);
  Enqueue(std::move(d));
  spdlog::info("draining: {} attempts running, waiting up to {}", RunningLocked(),
               FormatDuration(options_.drain_grace));
  auto idle = [&] { return RunningLocked() == 0 || stopping_; };
  if (!cv_.wait_for(lock, options_.drain_grace, idle)) {
    std::vector<std::string> left;
    for (const auto& [id, h] : held_) {
      if (!h.finished) left.push_back(id);
    }
    spdlog::warn("drain grace over: handing back {} attempts", left.size());
    lock.unlock();
    for (const std::string& id : left) {
      agent_->Stop({id, Outcome::kInterrupted, options_.kill_grace});
    }
    lock.lock();
    cv_.wait_for(lock, options_.kill_grace + Millis(10'000), idle);
  }
  if (stopping_) return;
  // The results must reach a master before leaving: wait for a session.
  cv_.wait_for(lock, lease_, [&] { return connected_ || stopping_; });
  if (!connected_) {
    lock.unlock();
    spdlog::warn("drained, but the master is unreachable: leaving without deregistering");
    EndWith(Status::Ok());
    return;
  }
  v1::WorkerMessage bye;
  bye.mutable_deregister()->set_reason(reason);
  Enqueue(std::move(bye));
  // The master answers a Deregister by ending the stream; RunSession then
  // ends the client. Bounded in case it never does.
  if (!cv_.wait_for(lock, Millis(10'000), [&] { return ended_.has_value(); })) {
    lock.unlock();
    EndWith(Status::Ok());
  }
}

// --- files between tasks (issue 8) -------------------------------------------

bool WorkerClient::ShipOutputs(
    grpc::ClientReaderWriter<v1::WorkerMessage, v1::MasterMessage>* stream,
    const protocol::AttemptFinished& result) {
  for (const protocol::OutputFile& f : result.outputs) {
    const std::string path = result.workspace + "/" + f.path;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    // Gone meanwhile: the master sees a short file and refuses the result.
    if (!fd.valid()) continue;
    std::string buf(kChunkBytes, '\0');
    int64_t offset = 0;
    while (true) {
      ssize_t n = ::pread(fd.get(), buf.data(), buf.size(), offset);
      // An empty file still gets one (empty) chunk, so the master has it.
      if (n < 0 || (n == 0 && offset > 0)) break;
      v1::WorkerMessage m;
      v1::OutputFileChunk* c = m.mutable_output_chunk();
      c->set_attempt_id(result.attempt_id);
      c->set_path(f.path);
      c->set_offset(offset);
      c->set_data(buf.data(), static_cast<size_t>(n));
      if (!stream->Write(m)) return false;
      if (n == 0) break;
      offset += n;
    }
  }
  return true;
}

void WorkerClient::FetcherLoop() {
  while (true) {
    protocol::Assignment a;
    {
      std::unique_lock lock(mu_);
      fetch_cv_.wait(lock, [&] { return stopping_ || !fetch_queue_.empty(); });
      if (stopping_) return;
      a = std::move(fetch_queue_.front());
      fetch_queue_.pop_front();
    }
    Status fetched = FetchInputs(a);
    if (fetched.ok()) {
      agent_->Assign(std::move(a));
      continue;
    }
    spdlog::warn("inputs not fetched attempt={} error={}", a.attempt_id, fetched.message());
    protocol::AttemptFinished failed;
    failed.attempt_id = a.attempt_id;
    failed.outcome = Outcome::kExit;
    failed.reason = "cannot fetch inputs: " + fetched.message();
    failed.finished_at = SystemClock::Instance().Wall();
    Finished(std::move(failed));
  }
}

Status WorkerClient::FetchInputs(protocol::Assignment& a) {
  std::error_code ec;
  std::filesystem::create_directories(options_.cache_dir, ec);
  if (ec) return Internal("cannot create " + options_.cache_dir + ": " + ec.message());
  for (protocol::InputFile& input : a.inputs) {
    // Cached by content: a file fetched for an earlier task is not fetched
    // again.
    if (input.file.sha256.size() != 64 ||
        input.file.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return InvalidArgument("input " + input.file.path + " has no valid sha256");
    }
    input.local = options_.cache_dir + "/" + input.file.sha256;
    if (::access(input.local.c_str(), R_OK) == 0) continue;
    Status last = Unavailable("not tried");
    // The session may be reconnecting: a few tries, a second apart.
    for (int attempt = 0; attempt < 5; ++attempt) {
      std::shared_ptr<grpc::Channel> channel;
      {
        std::unique_lock lock(mu_);
        if (attempt > 0) cv_.wait_for(lock, Millis(1'000), [&] { return stopping_; });
        if (stopping_) return Aborted("stopping");
        channel = channel_;
      }
      if (channel == nullptr) continue;
      auto stub = v1::WorkerService::NewStub(channel);
      last = FetchOne(*stub, a.job_id, input);
      if (last.ok()) break;
    }
    PG_RETURN_IF_ERROR(last);
  }
  return Status::Ok();
}

Status WorkerClient::FetchOne(v1::WorkerService::Stub& stub, const std::string& job_id,
                              protocol::InputFile& input) {
  const std::string part = input.local + ".part";
  UniqueFd fd(::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoStatus("cannot create " + part, errno);
  int64_t offset = 0;
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::FetchOutputRequest req;
    req.set_job_id(job_id);
    req.set_task(input.task);
    req.set_path(input.file.path);
    req.set_offset(offset);
    v1::FetchOutputReply reply;
    grpc::Status s = stub.FetchOutput(&context, req, &reply);
    if (!s.ok()) {
      return Unavailable(fmt::format("fetching {}/{}: {}", input.task, input.file.path,
                                     s.error_message()));
    }
    PG_RETURN_IF_ERROR(WriteAll(fd.get(), reply.data()));
    offset += static_cast<int64_t>(reply.data().size());
    if (reply.eof()) break;
    if (offset > input.file.size) break;
  }
  fd.Reset();
  auto sha = Sha256File(part);
  if (!sha.ok() || *sha != input.file.sha256 || offset != input.file.size) {
    ::unlink(part.c_str());
    return Internal(fmt::format("input {}/{} arrived damaged (checksum mismatch)", input.task,
                                input.file.path));
  }
  ::chmod(part.c_str(), 0444);
  if (::rename(part.c_str(), input.local.c_str()) != 0) {
    return ErrnoStatus("cannot store " + input.local, errno);
  }
  return Status::Ok();
}

}  // namespace pipegrid::worker
