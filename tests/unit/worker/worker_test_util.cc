#include "worker_test_util.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "worker/posix_util.h"
#include "worker/proc_stat.h"

namespace pipegrid::worker::testing {

void FakeMaster::Started(protocol::AttemptStarted msg) {
  std::lock_guard lock(mu_);
  started_.emplace_back(seq_++, std::move(msg));
  cv_.notify_all();
}

void FakeMaster::Finished(protocol::AttemptFinished msg) {
  std::lock_guard lock(mu_);
  finished_.emplace_back(seq_++, std::move(msg));
  cv_.notify_all();
}

std::vector<protocol::AttemptFinished> FakeMaster::WaitForFinished(size_t n) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, kDeadline, [&] { return finished_.size() >= n; });
  std::vector<protocol::AttemptFinished> out;
  for (const auto& [seq, f] : finished_) out.push_back(f);
  return out;
}

std::optional<protocol::AttemptFinished> FakeMaster::WaitFinished(const std::string& attempt_id) {
  std::unique_lock lock(mu_);
  std::optional<protocol::AttemptFinished> found;
  cv_.wait_for(lock, kDeadline, [&] {
    for (const auto& [seq, f] : finished_) {
      if (f.attempt_id == attempt_id) {
        found = f;
        return true;
      }
    }
    return false;
  });
  return found;
}

std::vector<protocol::AttemptStarted> FakeMaster::started() const {
  std::lock_guard lock(mu_);
  std::vector<protocol::AttemptStarted> out;
  for (const auto& [seq, s] : started_) out.push_back(s);
  return out;
}

std::vector<protocol::AttemptFinished> FakeMaster::finished() const {
  std::lock_guard lock(mu_);
  std::vector<protocol::AttemptFinished> out;
  for (const auto& [seq, f] : finished_) out.push_back(f);
  return out;
}

size_t FakeMaster::FinishedCount(const std::string& attempt_id) const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [seq, f] : finished_) n += f.attempt_id == attempt_id;
  return n;
}

int FakeMaster::StartedSeq(const std::string& attempt_id) const {
  std::lock_guard lock(mu_);
  for (const auto& [seq, s] : started_) {
    if (s.attempt_id == attempt_id) return seq;
  }
  return -1;
}

int FakeMaster::FinishedSeq(const std::string& attempt_id) const {
  std::lock_guard lock(mu_);
  for (const auto& [seq, f] : finished_) {
    if (f.attempt_id == attempt_id) return seq;
  }
  return -1;
}

protocol::Assignment MakeAssignment(const std::string& attempt_id,
                                    std::vector<std::vector<std::string>> steps,
                                    const std::string& job_id, const std::string& task_name,
                                    int attempt_number) {
  protocol::Assignment a;
  a.attempt_id = attempt_id;
  a.job_id = job_id;
  a.task_id = job_id + "." + task_name;
  a.task_name = task_name;
  a.attempt_number = attempt_number;
  for (auto& commands : steps) {
    protocol::StepCommand step;
    step.commands = std::move(commands);
    a.steps.push_back(std::move(step));
  }
  return a;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<AttemptRecord> RecordsIn(const std::string& state_dir) {
  std::vector<AttemptRecord> records;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(state_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::ifstream in(it->path());
    for (std::string line; std::getline(in, line);) {
      if (std::optional<AttemptRecord> r = ParseAttemptRecord(line)) records.push_back(*r);
    }
  }
  return records;
}

Fifo::Fifo(std::string path) : path_(std::move(path)) {
  if (::mkfifo(path_.c_str(), 0600) != 0) std::abort();
  // Non-blocking so the open itself cannot hang; poll() does the waiting.
  fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) std::abort();
}

Fifo::~Fifo() { ::close(fd_); }

std::optional<std::string> Fifo::ReadLine() {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char c;
    ssize_t n = ::read(fd_, &c, 1);
    if (n == 1) {
      if (c == '\n') return line;
      line += c;
    } else if (n == 0) {
      if (!line.empty()) return line;  // the writer closed without a newline
      // The writer is gone and poll() would report that forever; reopening
      // waits for the next writer.
      ::close(fd_);
      fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd_ < 0) return std::nullopt;
    }
  }
}

bool ProcessExits(pid_t pid) {
  int fd = PidfdOpen(pid);
  if (fd < 0) return errno == ESRCH;
  pollfd p{fd, POLLIN, 0};
  int n = ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kDeadline).count()));
  ::close(fd);
  return n == 1;
}

bool ProcessAlive(pid_t pid) {
  Result<ProcStat> st = ReadProcStat(pid);
  return st.ok() && st->state != 'Z';
}

}  // namespace pipegrid::worker::testing
