// The WorkerDirect gRPC service (proto/pipegrid/v1/worker_direct.proto) on
// the callback API: each call is handed to the CommandTable, whose loop
// thread answers; no gRPC thread ever waits for a command, and a followed
// stream parks in the table (output_stream.h) instead of holding a thread.
//
// Every call is logged at info level with the caller's certificate common
// name, the method and the command: unary calls once answered (with the
// answer's code), StreamOutput when it starts.
//
// Thread-safety: the handlers run on gRPC's threads; the table is
// thread-safe and outlives the service.
#pragma once

#include <grpcpp/grpcpp.h>

#include "pipegrid/v1/worker_direct.grpc.pb.h"
#include "worker/direct/command_table.h"

namespace pipegrid::worker::direct {

class DirectService final : public v1::WorkerDirect::CallbackService {
 public:
  explicit DirectService(CommandTable& table) : table_(table) {}

  grpc::ServerUnaryReactor* StartCommand(grpc::CallbackServerContext* context,
                                         const v1::StartCommandRequest* request,
                                         v1::StartCommandResponse* response) override;
  grpc::ServerUnaryReactor* StopCommand(grpc::CallbackServerContext* context,
                                        const v1::StopCommandRequest* request,
                                        v1::CommandStatus* response) override;
  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                      const v1::GetStatusRequest* request,
                                      v1::CommandStatus* response) override;
  grpc::ServerWriteReactor<v1::OutputChunk>* StreamOutput(
      grpc::CallbackServerContext* context, const v1::StreamOutputRequest* request) override;

 private:
  CommandTable& table_;
};

// The wire form of a command's status.
void ToProto(const CommandInfo& info, v1::CommandStatus* out);

}  // namespace pipegrid::worker::direct
