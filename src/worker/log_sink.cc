#include "worker/log_sink.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

namespace pipegrid::worker {

Result<std::unique_ptr<LogSink>> LogSink::Open(const std::string& path, int64_t max_bytes,
                                               Create create) {
  if (path.empty() || path.back() == '/') return InvalidArgument("bad log path: " + path);
  std::unique_ptr<LogSink> sink(new LogSink(path, std::max<int64_t>(max_bytes, 0)));
  if (create == Create::kAtOnce && !sink->EnsureOpen()) return sink->error_;
  return sink;
}

bool LogSink::EnsureOpen() {
  if (fd_.valid()) return true;
  if (!error_.ok()) return false;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  if (ec) {
    error_ = ErrnoStatus("create log directory for " + path_, ec.value());
    return false;
  }
  fd_.Reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
  if (!fd_.valid()) {
    error_ = ErrnoStatus("open " + path_, errno);
    return false;
  }
  return true;
}

void LogSink::Append(std::string_view data) {
  if (truncated_ || data.empty()) return;
  int64_t room = max_bytes_ - written_;
  if (static_cast<int64_t>(data.size()) <= room) {
    Write(data);
    written_ += static_cast<int64_t>(data.size());
    return;
  }
  Write(data.substr(0, static_cast<size_t>(room)));
  written_ += room;
  truncated_ = true;
  // The note goes on a line of its own even when the cap cut a line in half.
  std::string line = last_was_newline_ ? "" : "\n";
  line += "[pipegrid: log truncated at " + std::to_string(max_bytes_) + " bytes]\n";
  Write(line);
}

void LogSink::AppendNote(std::string_view note) {
  std::string line = last_was_newline_ ? "" : "\n";
  line += note;
  line += '\n';
  Append(line);
}

void LogSink::Write(std::string_view data) {
  if (data.empty() || !error_.ok() || !EnsureOpen()) return;
  Status s = WriteAll(fd_.get(), data);
  if (!s.ok()) {
    error_ = std::move(s);
    return;
  }
  last_was_newline_ = data.back() == '\n';
}

}  // namespace pipegrid::worker
