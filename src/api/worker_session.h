// The master's side of one worker stream (WorkerService.Connect, issue 4).
//
// A gRPC callback reactor that is also the scheduler's WorkerChannel for the
// worker: messages from the worker become scheduler calls, scheduler calls
// become messages to the worker. Reads are serial (one outstanding), writes
// go through a queue with one outstanding. Nothing here blocks a gRPC thread.
//
// Lifetime: the session owns itself (self_) until gRPC's OnDone(); scheduler
// replies hold it too. Finish() is called only once the scheduler no longer
// uses the channel (its Disconnect/Deregister reply, or its own Close()), so
// the scheduler never calls into a finished session.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/output_receiver.h"
#include "api/remote_log_writer.h"
#include "common/worker_protocol.h"
#include "master/scheduler.h"
#include "pipegrid/v1/worker.grpc.pb.h"

namespace pipegrid::api {

class WorkerSession final : public grpc::ServerBidiReactor<v1::WorkerMessage, v1::MasterMessage>,
                            public protocol::WorkerChannel,
                            public std::enable_shared_from_this<WorkerSession> {
 public:
  // Starts reading; the returned reactor belongs to gRPC until OnDone().
  static WorkerSession* Start(grpc::CallbackServerContext* context, master::Scheduler& scheduler,
                              const std::string& log_dir, const std::string& outputs_dir);

  WorkerSession(grpc::CallbackServerContext* context, master::Scheduler& scheduler,
                const std::string& log_dir, const std::string& outputs_dir);

  // grpc::ServerBidiReactor
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override;

  // protocol::WorkerChannel, from the scheduler's thread.
  void Assign(protocol::Assignment msg) override;
  void Stop(protocol::StopRequest msg) override;
  void ReleaseJob(const std::string& job_id) override;
  void Drain() override;
  void Close(const std::string& reason) override;

 private:
  enum class Phase { kAwaitRegister, kRegistering, kLive, kEnding };

  void Handle(const v1::WorkerMessage& msg);
  // One message of a live session; false once nothing more may be read
  // (a Deregister).
  bool HandleLive(const v1::WorkerMessage& msg);
  void OnRegister(const v1::Register& reg);
  void OnRegistered(Result<master::WorkerSession> session);
  // Sends a message the worker may see only after Registered.
  void SendLive(v1::MasterMessage msg);
  void Send(v1::MasterMessage msg);
  // Refuses the session: a Refused message, then the stream ends.
  void Refuse(const std::string& reason, bool permanent);
  // The stream is over from the worker's side: tell the scheduler, then end.
  void Detach();
  void FinishOnce(grpc::Status status);
  void StartNextWriteLocked();

  master::Scheduler& scheduler_;
  RemoteLogWriter logs_;
  OutputReceiver outputs_;
  const std::string peer_;
  v1::WorkerMessage in_;

  std::mutex mu_;
  Phase phase_ = Phase::kAwaitRegister;
  std::string name_;
  uint64_t session_ = 0;
  std::deque<v1::MasterMessage> outbox_;
  std::vector<v1::MasterMessage> before_registered_;
  v1::MasterMessage in_flight_;  // the write outstanding, while writing_
  bool peer_batches_ = false;    // the worker reads MasterMessage.batch
  bool writing_ = false;
  bool finish_requested_ = false;
  bool finished_ = false;
  grpc::Status finish_status_;
  std::shared_ptr<WorkerSession> self_;
};

}  // namespace pipegrid::api
