#include "api/remote_log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "worker/agent.h"

namespace pipegrid::api {

void RemoteLogWriter::Expect(const std::string& attempt_id, const std::string& job_id,
                             const std::string& task_name, int attempt_number) {
  std::lock_guard lock(mu_);
  Open& f = files_[attempt_id];
  if (f.path.empty()) f.path = worker::LogPath(log_dir_, job_id, task_name, attempt_number);
}

bool RemoteLogWriter::Ensure(Open& f) {
  if (f.fd.valid()) return true;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(f.path).parent_path(), ec);
  f.fd.Reset(::open(f.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!f.fd.valid()) {
    spdlog::warn("cannot write remote log path={} error={}", f.path, std::strerror(errno));
    return false;
  }
  struct stat st {};
  f.size = ::fstat(f.fd.get(), &st) == 0 ? st.st_size : 0;
  return true;
}

int64_t RemoteLogWriter::Size(const std::string& attempt_id) {
  std::lock_guard lock(mu_);
  auto it = files_.find(attempt_id);
  if (it == files_.end() || !Ensure(it->second)) return 0;
  return it->second.size;
}

void RemoteLogWriter::Write(const std::string& attempt_id, int64_t offset,
                            std::string_view data) {
  std::lock_guard lock(mu_);
  auto it = files_.find(attempt_id);
  if (it == files_.end() || !Ensure(it->second)) return;
  Open& f = it->second;
  if (offset + static_cast<int64_t>(data.size()) <= f.size) return;  // already held
  if (offset > f.size) {
    std::string gap = fmt::format("\n[pipegrid: {} bytes of output lost in transit]\n",
                                  offset - f.size);
    if (!worker::WriteAll(f.fd.get(), gap).ok()) return;
    f.size = offset;  // positions follow the worker's log from here
  } else {
    data.remove_prefix(static_cast<size_t>(f.size - offset));
  }
  if (Status s = worker::WriteAll(f.fd.get(), data); !s.ok()) {
    spdlog::warn("cannot write remote log path={} error={}", f.path, s.message());
    return;
  }
  f.size += static_cast<int64_t>(data.size());
}

void RemoteLogWriter::Finish(const std::string& attempt_id) {
  std::lock_guard lock(mu_);
  files_.erase(attempt_id);
}

}  // namespace pipegrid::api
