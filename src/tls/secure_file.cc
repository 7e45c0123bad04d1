#include "tls/secure_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace pipegrid::tls {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

Status FromErrno(int err, const std::string& what) {
  std::string message = what + ": " + ErrnoText(err);
  if (err == ENOENT) return NotFound(message);
  if (err == EACCES || err == EPERM) return PermissionDenied(message);
  return Internal(message);
}

// Owns a file descriptor.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;

  int get() const { return fd_; }
  // close() reports write-back errors of some file systems: callers that
  // wrote must check it.
  int Close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd);
  }

 private:
  int fd_;
};

// A temporary file being written; removed unless Keep() was called, so a
// failed write leaves nothing behind.
class TempFile {
 public:
  TempFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~TempFile() {
    if (!kept_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  Status Close() {
    if (fd_.Close() != 0) return FromErrno(errno, "close " + path_);
    return Status::Ok();
  }
  void Keep() { kept_ = true; }

 private:
  ScopedFd fd_;
  std::string path_;
  bool kept_ = false;
};

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FromErrno(errno, "write " + path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Makes a rename in `dir` durable.
Status SyncDirectory(const std::string& dir) {
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return FromErrno(errno, "open " + dir);
  if (::fsync(fd.get()) != 0) return FromErrno(errno, "fsync " + dir);
  return Status::Ok();
}

}  // namespace

Status EnsureDirectory(const std::string& dir, mode_t mode) {
  std::filesystem::path path(dir);
  std::error_code ec;
  if (path.has_parent_path() && !path.parent_path().empty()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return FromErrno(ec.value(), "create " + path.parent_path().string());
  }
  if (::mkdir(dir.c_str(), mode) == 0) {
    // mkdir() applies the umask; the caller asked for exactly `mode`.
    if (::chmod(dir.c_str(), mode) != 0) return FromErrno(errno, "chmod " + dir);
    return Status::Ok();
  }
  if (errno != EEXIST) return FromErrno(errno, "mkdir " + dir);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return FromErrno(errno, "stat " + dir);
  if (!S_ISDIR(st.st_mode)) return FailedPrecondition(dir + " exists and is not a directory");
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode) {
  std::string tmpl = path + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);  // created 0600: private from the start
  if (fd < 0) return FromErrno(errno, "create a temporary file for " + path);
  TempFile tmp(fd, tmpl);
  if (::fchmod(tmp.fd(), mode) != 0) return FromErrno(errno, "chmod " + tmp.path());
  PG_RETURN_IF_ERROR(WriteAll(tmp.fd(), contents, tmp.path()));
  if (::fsync(tmp.fd()) != 0) return FromErrno(errno, "fsync " + tmp.path());
  PG_RETURN_IF_ERROR(tmp.Close());
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) return FromErrno(errno, "rename to " + path);
  tmp.Keep();
  std::string dir = std::filesystem::path(path).parent_path().string();
  return SyncDirectory(dir.empty() ? "." : dir);
}

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO by mistake must not hang; the type check
  // below then refuses it.
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return FromErrno(errno, path);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return FromErrno(errno, "stat " + path);
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path + " is not a regular file");
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    return InvalidArgument(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < data.size()) {
    ssize_t n = ::read(fd.get(), data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FromErrno(errno, "read " + path);
    if (n == 0) break;  // shrank while we read: keep what is there
    got += static_cast<size_t>(n);
  }
  data.resize(got);
  return data;
}

}  // namespace pipegrid::tls
