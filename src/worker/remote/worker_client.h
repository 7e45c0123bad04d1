// The worker's side of the worker protocol (proto/pipegrid/v1/worker.proto):
// connects to the master, registers, passes assignments to the agent and the
// agent's reports back, heartbeats, ships output, reconnects with backoff and
// drains (issue 4 items 1, 6-8, 10).
//
// It survives the master: when the stream breaks, attempts keep running; on
// reconnect it reports what still runs and the results it holds (a result
// sent just before a break may never have arrived), and the master adopts or
// kills each. Output is shipped from the agent's log files, so a reconnect
// resends from the offset the master asks for and nothing is held in memory.
//
// `pipegrid worker` uses it over TCP (mutual TLS off loopback), `pipegrid up`
// over an in-process channel with ship_logs off (the agent writes straight
// into the master's log dir).
//
// Threads: a session thread (connect, read, dispatch to the agent) and a
// writer thread (outbox, heartbeats, log shipping) per session. The
// MasterChannel methods are thread-safe and never block.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/worker_protocol.h"
#include "pipegrid/v1/worker.grpc.pb.h"

namespace pipegrid::worker {

struct WorkerClientOptions {
  std::string name;
  std::string instance_id;
  std::string version;
  std::map<std::string, std::string> labels;
  std::string zone;
  int slots = 1;
  // Assignments taken beyond `slots`; the agent queues them (AgentOptions::slots).
  int prefetch = 0;
  double cpu = 0;
  int64_t memory = 0;
  // The agent's log dir: output is shipped from there (see LogPath()).
  std::string log_dir;
  bool ship_logs = true;
  // A master-initiated drain ends the worker (Wait() returns). The embedded
  // worker of `up` only logs it: its process is the master.
  bool exit_on_drain = true;
  // How long a drain waits for running attempts before handing them back.
  Millis drain_grace{60'000};
  // SIGTERM -> SIGKILL for attempts handed back at the end of a drain.
  Millis kill_grace{5'000};
  Millis reconnect_min{100};
  Millis reconnect_max{5'000};
  // Output is read from the log files this often while attempts run.
  Millis ship_interval{50};
  // A Started waits this long for company before it is written: an attempt
  // that ends meanwhile has its Started and Finished in one write (and one
  // commit on the master). 0: at once. A task shows RUNNING this much later.
  Millis started_delay{2};
  // Upstream outputs fetched for inputs/, by SHA-256 (kept across tasks).
  std::string cache_dir;
};

class WorkerClient : public protocol::MasterChannel {
 public:
  using ChannelFactory = std::function<std::shared_ptr<grpc::Channel>()>;

  WorkerClient(WorkerClientOptions options, ChannelFactory channels);
  ~WorkerClient() override;  // Stop()

  // Starts connecting; assignments go to `agent`, which must outlive Stop().
  void Start(protocol::WorkerChannel& agent);
  // Blocks until the first session is registered (or refused for good, or
  // `timeout` passes): lets `up` say ready only with its worker in place.
  [[nodiscard]] Status WaitRegistered(Millis timeout);
  // Stops taking work, waits up to drain_grace for running attempts, hands
  // back the rest (outcome interrupted), deregisters and ends the sessions.
  // Thread-safe; returns once done. Idempotent.
  void Drain(const std::string& reason);
  // Ends at once, without deregistering (the master keeps the attempts
  // until the lease runs out). Idempotent.
  void Stop();
  // Blocks until the client has ended: drained (Ok), refused for good
  // (FailedPrecondition) or stopped.
  Status Wait();
  // True once a drain has begun (SIGTERM or the master's Drain).
  bool draining() const;

  // protocol::MasterChannel, from the agent's threads.
  void Started(protocol::AttemptStarted msg) override;
  void Finished(protocol::AttemptFinished msg) override;

 private:
  struct Held {  // an attempt this worker runs
    std::string log_path;
    int64_t shipped = 0;  // bytes of its log sent in this session
    int64_t pgid = 0;
    WallTime started_at{};
    bool started = false;
    bool finished = false;  // its result waits to be sent
    // The result, until written to a stream: after a reconnect the attempt
    // is reported running, adopted, and its output and result sent then.
    std::optional<protocol::AttemptFinished> result;
  };
  // A Finished waits in the outbox until its attempt's output is shipped.
  struct FinishedItem {
    protocol::AttemptFinished msg;
  };
  using Outgoing = std::variant<v1::WorkerMessage, FinishedItem>;

  void SessionLoop();
  // One connection, from Register to its end. Returns the reconnect policy:
  // false when the client should not connect again.
  bool RunSession(std::shared_ptr<grpc::Channel> channel);
  void HandleRegistered(const v1::Registered& r);
  void HandleMasterMessage(const v1::MasterMessage& msg);
  void WriterLoop(grpc::ClientReaderWriter<v1::WorkerMessage, v1::MasterMessage>* stream,
                  uint64_t generation);
  // Results just written to the stream: no longer held, kept as unconfirmed.
  void MarkWritten(std::vector<protocol::AttemptFinished> results);
  // Writes `messages` in order, as one batch when the master reads batches.
  bool WriteMessages(grpc::ClientReaderWriter<v1::WorkerMessage, v1::MasterMessage>* stream,
                     std::vector<v1::WorkerMessage> messages);
  // Appends LogChunks with the attempt's new output to `out`.
  void ShipLog(const std::string& attempt_id, Held& held, std::vector<v1::WorkerMessage>& out);
  // Streams a succeeded attempt's kept files, then false if the stream broke.
  bool ShipOutputs(grpc::ClientReaderWriter<v1::WorkerMessage, v1::MasterMessage>* stream,
                   const protocol::AttemptFinished& result);
  // Inputs: fetched into the cache by the fetcher thread, then the
  // assignment goes to the agent (or fails without running).
  void FetcherLoop();
  Status FetchInputs(protocol::Assignment& a);
  Status FetchOne(v1::WorkerService::Stub& stub, const std::string& job_id,
                  protocol::InputFile& input);
  v1::WorkerMessage MakeRegister();
  void Enqueue(Outgoing item);
  void DrainThread(std::string reason);
  void EndWith(Status status);
  // Attempts still running (held and not finished). Caller holds mu_.
  size_t RunningLocked() const;

  const WorkerClientOptions options_;
  ChannelFactory channels_;
  protocol::WorkerChannel* agent_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Held> held_;                        // running attempts
  // Results that may not have reached the master: since the last Registered,
  // and no older than two leases while connected (see Finished()).
  std::deque<std::pair<MonoTime, protocol::AttemptFinished>> unconfirmed_;
  std::set<std::string> killed_;   // the master said kill: their Finished are not reported
  std::deque<Outgoing> outbox_;    // for the live session only
  // Started reports held back up to started_delay (live session only); all
  // of them go before anything of the outbox, so a Started always precedes
  // its attempt's Finished.
  std::deque<std::pair<std::chrono::steady_clock::time_point, v1::WorkerMessage>> started_;
  bool connected_ = false;         // a session is registered
  uint64_t generation_ = 0;        // counts sessions; a writer serves one
  Millis heartbeat_interval_{1'000};
  bool master_batches_ = false;  // the live session's master reads WorkerMessage.batch
  Millis lease_{10'000};
  bool draining_ = false;
  bool deregistered_ = false;  // the Deregister went out
  bool stopping_ = false;
  std::optional<Status> ended_;    // set once the client is over
  bool ever_registered_ = false;
  std::optional<Status> refused_;  // a permanent refusal
  grpc::ClientContext* context_ = nullptr;  // the live session's, to cancel it
  std::shared_ptr<grpc::Channel> channel_;   // the latest session's (fetches use it)
  std::deque<protocol::Assignment> fetch_queue_;
  // Its own: cv_ is notified on every report, and the fetcher should not
  // wake for those.
  std::condition_variable fetch_cv_;
  std::thread fetcher_thread_;

  std::thread session_thread_;
  std::thread drain_thread_;
};

}  // namespace pipegrid::worker
