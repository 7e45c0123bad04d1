#include "worker/record_table.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace pipegrid::worker {

Result<RecordTable> RecordTable::Open(const std::string& state_dir) {
  std::string path = state_dir + "/attempts.tab";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoStatus("open " + path, errno);
  return RecordTable(std::move(path), std::move(fd));
}

size_t RecordTable::Acquire() {
  if (free_.empty()) return next_++;
  size_t slot = free_.back();
  free_.pop_back();
  return slot;
}

void RecordTable::Release(size_t slot) { free_.push_back(slot); }

Status RecordTable::Write(size_t slot, const AttemptRecord& record) {
  return Put(slot, FormatAttemptRecord(record));
}

Status RecordTable::Clear(size_t slot) { return Put(slot, "\n"); }

Status RecordTable::Put(size_t slot, std::string line) {
  // The line's own newline moves to the end of the slot, spaces before it.
  if (!line.empty() && line.back() == '\n') line.pop_back();
  if (line.size() + 1 > kSlotBytes) return InvalidArgument("attempt record too long: " + line);
  line.resize(kSlotBytes - 1, ' ');
  line += '\n';
  const off_t offset = static_cast<off_t>(slot * kSlotBytes);
  ssize_t n;
  do {
    n = ::pwrite(fd_.get(), line.data(), line.size(), offset);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoStatus("write " + path_, errno);
  if (static_cast<size_t>(n) != line.size()) return Internal("short write to " + path_);
  return Status::Ok();
}

}  // namespace pipegrid::worker
