#include "worker/direct/output_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "worker/direct/grpc_status.h"

namespace pipegrid::worker::direct {
namespace {

// Big enough to keep a fast client busy, far below gRPC's 4 MiB message cap.
constexpr int64_t kChunkBytes = 64 * 1024;

}  // namespace

OutputStream* OutputStream::Begin(CommandTable& table, const v1::StreamOutputRequest& request) {
  auto stream = std::make_shared<OutputStream>(table, request);
  OutputStream* raw = stream.get();
  raw->self_ = stream;
  if (request.offset() < 0) {
    raw->FinishOnce(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "offset must not be negative"));
    return raw;
  }
  table.Get(request.command_id(),
            [stream](Result<CommandInfo> info) { stream->OnLookedUp(std::move(info)); });
  return raw;
}

OutputStream::OutputStream(CommandTable& table, const v1::StreamOutputRequest& request)
    : table_(table),
      command_id_(request.command_id()),
      follow_(request.follow()),
      waiter_id_(table.NewWaiterId()),
      offset_(request.offset()) {}

void OutputStream::OnLookedUp(Result<CommandInfo> info) {
  // On the loop thread, while the record exists: the file cannot be removed
  // between the lookup and the open, and the descriptor keeps it readable
  // even if the record is dropped later.
  if (!info.ok()) return FinishOnce(ToGrpcStatus(info.status()));
  UniqueFd fd(::open(info->output_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return FinishOnce(ToGrpcStatus(ErrnoStatus("open output of command " + command_id_, errno)));
  }
  {
    std::lock_guard lock(mu_);
    fd_ = std::move(fd);
    command_finished_ = info->state == CommandState::kFinished;
    if (!follow_) {
      struct stat st {};
      end_ = ::fstat(fd_.get(), &st) == 0 ? st.st_size : 0;
    }
  }
  Next();
}

void OutputStream::Next() {
  enum { kWrite, kFinish, kNone } action = kNone;
  grpc::Status status;
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    int64_t want = kChunkBytes;
    if (end_) want = std::min(want, *end_ - offset_);
    ssize_t n = 0;
    if (cancelled_) {
      status = grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled");
      n = -1;
    } else if (want > 0) {
      std::string* data = chunk_.mutable_data();
      data->resize(static_cast<size_t>(want));
      do {
        n = ::pread(fd_.get(), data->data(), data->size(), offset_);
      } while (n < 0 && errno == EINTR);
      if (n < 0) status = ToGrpcStatus(ErrnoStatus("read output of command " + command_id_, errno));
      if (n >= 0) data->resize(static_cast<size_t>(n));
    }
    if (n > 0) {
      chunk_.set_offset(offset_);
      offset_ += n;
      action = kWrite;
    } else if (n < 0 || !follow_ || command_finished_) {
      finished_ = true;
      action = kFinish;
    } else {
      // At the end of a running command's output: park. Posted under mu_ so
      // that OnCancel's CancelWait is always posted after it.
      waiting_ = true;
      table_.WaitForOutput(waiter_id_, command_id_, offset_,
                           [self = shared_from_this()](bool finished) { self->OnWoken(finished); });
    }
  }
  if (action == kWrite) StartWrite(&chunk_);
  if (action == kFinish) Finish(status);
}

void OutputStream::OnWoken(bool finished) {
  {
    std::lock_guard lock(mu_);
    waiting_ = false;
    if (finished) command_finished_ = true;
    if (finished_) return;
  }
  Next();
}

void OutputStream::OnWriteDone(bool ok) {
  if (!ok) return FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
  Next();
}

void OutputStream::OnCancel() {
  bool finish_now = false;
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    // A write or a lookup in flight ends through OnWriteDone / OnLookedUp;
    // only a parked wait has nobody else to finish the call.
    if (waiting_ && !finished_) {
      finished_ = true;
      finish_now = true;
      table_.CancelWait(waiter_id_);
    }
  }
  if (finish_now) Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
}

void OutputStream::OnDone() {
  std::shared_ptr<OutputStream> last = std::move(self_);  // may free *this on return
}

void OutputStream::FinishOnce(grpc::Status status) {
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
  }
  Finish(std::move(status));
}

}  // namespace pipegrid::worker::direct
