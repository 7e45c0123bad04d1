#include "api/output_receiver.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "worker/task_files.h"
#include "worker/workspace.h"

namespace pipegrid::api {
namespace fs = std::filesystem;

OutputReceiver::~OutputReceiver() {
  std::error_code ec;
  for (const auto& [attempt, staged] : staged_) fs::remove_all(StagingDir(attempt), ec);
}

std::string OutputReceiver::StagingDir(const std::string& attempt_id) const {
  return outputs_dir_ + "/.incoming/" + attempt_id;
}

void OutputReceiver::Expect(const std::string& attempt_id) {
  std::lock_guard lock(mu_);
  expected_.insert(attempt_id);
}

void OutputReceiver::Write(const std::string& attempt_id, const std::string& path,
                           int64_t offset, std::string_view data) {
  std::lock_guard lock(mu_);
  if (expected_.count(attempt_id) == 0 || !worker::IsSafePathComponent(attempt_id)) return;
  Staged& s = staged_[attempt_id];
  if (!s.error.empty()) return;
  if (!worker::IsSafeRelativePath(path)) {
    s.error = "unsafe output path " + path;
    return;
  }
  if (path != s.path) {  // the next file
    s.fd.Reset();
    s.path = path;
    s.size = 0;
    fs::path dest = fs::path(StagingDir(attempt_id)) / path;
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    s.fd.Reset(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!s.fd.valid()) {
      s.error = fmt::format("cannot stage {}: {}", path, std::strerror(errno));
      return;
    }
  }
  if (offset != s.size) {
    s.error = fmt::format("{} arrived out of order (offset {}, expected {})", path, offset, s.size);
    return;
  }
  if (Status w = worker::WriteAll(s.fd.get(), data); !w.ok()) {
    s.error = fmt::format("cannot stage {}: {}", path, w.message());
    return;
  }
  s.size += static_cast<int64_t>(data.size());
}

Result<std::string> OutputReceiver::Complete(const protocol::AttemptFinished& finished) {
  std::string error;
  {
    std::lock_guard lock(mu_);
    expected_.erase(finished.attempt_id);
    auto it = staged_.find(finished.attempt_id);
    if (it != staged_.end()) {
      error = it->second.error;
      staged_.erase(it);  // closes the file
    }
  }
  const std::string dir = StagingDir(finished.attempt_id);
  if (finished.outputs.empty() || finished.outcome != Outcome::kSucceeded) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    return std::string();
  }
  for (const protocol::OutputFile& f : finished.outputs) {
    if (!error.empty()) break;
    if (!worker::IsSafeRelativePath(f.path)) {
      error = "unsafe output path " + f.path;
      break;
    }
    const std::string path = dir + "/" + f.path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || st.st_size != f.size) {
      error = fmt::format("{} arrived incomplete", f.path);
      break;
    }
    auto sha = worker::Sha256File(path);
    if (!sha.ok() || *sha != f.sha256) error = fmt::format("{} failed its checksum", f.path);
  }
  if (!error.empty()) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    return Internal("outputs damaged in transit: " + error);
  }
  return dir;
}

}  // namespace pipegrid::api
