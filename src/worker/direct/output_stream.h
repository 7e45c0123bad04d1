// OutputStream: the server side of one StreamOutput call (gRPC callback
// API). It reads the command's output file from the requested offset and
// writes it in chunks, one write in flight at a time, so a slow client only
// slows its own stream and holds one chunk of memory.
//
// With `follow`, at the end of the file it parks a wait in the CommandTable
// instead of holding a thread: the table wakes it when the file grows or the
// command finishes (a FINISHED command's file is complete, so reading to its
// end then ends the stream with OK). Without `follow` it stops at the end the
// file had when the call started.
//
// Lifetime: owned by a shared_ptr to itself until gRPC's OnDone; a parked
// wait holds another reference, so a wake-up racing with OnDone finds a live
// object that knows it is finished.
//
// Thread-safety: reactions come from gRPC's threads and wake-ups from the
// table's loop thread; mu_ orders them. StartWrite and Finish are called
// without mu_ held.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "pipegrid/v1/worker_direct.grpc.pb.h"
#include "worker/direct/command_table.h"
#include "worker/posix_util.h"

namespace pipegrid::worker::direct {

class OutputStream final : public grpc::ServerWriteReactor<v1::OutputChunk>,
                           public std::enable_shared_from_this<OutputStream> {
 public:
  // Starts the stream; gRPC owns the returned reactor until OnDone.
  static OutputStream* Begin(CommandTable& table, const v1::StreamOutputRequest& request);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  // Use Begin(); public only for make_shared.
  OutputStream(CommandTable& table, const v1::StreamOutputRequest& request);

 private:
  void OnLookedUp(Result<CommandInfo> info);
  // Writes the next chunk, parks a wait, or finishes. Call with no write in
  // flight and no wait parked.
  void Next();
  void OnWoken(bool finished);
  // Finish(status) unless already finished.
  void FinishOnce(grpc::Status status);

  CommandTable& table_;
  const std::string command_id_;
  const bool follow_;
  const uint64_t waiter_id_;

  std::mutex mu_;
  UniqueFd fd_;                    // the output file, opened at lookup
  int64_t offset_ = 0;             // next byte to send
  std::optional<int64_t> end_;     // without follow: stop here
  bool command_finished_ = false;  // the file is complete
  bool waiting_ = false;           // a wait is parked in the table
  bool cancelled_ = false;
  bool finished_ = false;               // Finish() was called (or is being called)
  v1::OutputChunk chunk_;               // the write in flight; gRPC reads it until OnWriteDone
  std::shared_ptr<OutputStream> self_;  // released in OnDone
};

}  // namespace pipegrid::worker::direct
