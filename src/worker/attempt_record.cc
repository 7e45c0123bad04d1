#include "worker/attempt_record.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "worker/posix_util.h"
#include "worker/proc_stat.h"

namespace pipegrid::worker {
namespace {

namespace fs = std::filesystem;

std::string TempPath(const std::string& state_dir, const std::string& attempt_id) {
  return state_dir + "/." + attempt_id + ".tmp";
}

struct Victim {
  pid_t pid;
  UniqueFd pidfd;
};

// Opens a pidfd for `proc` and signals through it, re-checking identity after
// the open: between the /proc scan and pidfd_open the pid may have been
// reused, but once the pidfd exists it names one process for good.
std::optional<Victim> Kill(const ProcStat& proc) {
  UniqueFd pidfd(PidfdOpen(proc.pid));
  if (!pidfd.valid()) return std::nullopt;  // already gone
  Result<ProcStat> again = ReadProcStat(proc.pid);
  if (!again.ok() || again->pgrp != proc.pgrp || again->starttime != proc.starttime) {
    return std::nullopt;
  }
  if (PidfdSendSignal(pidfd.get(), SIGKILL) != 0) return std::nullopt;
  return Victim{proc.pid, std::move(pidfd)};
}

// Waits until every victim has exited or the deadline passes; returns the
// ones still running.
std::vector<pid_t> WaitForExit(std::vector<Victim> victims, const Clock& clock, Millis wait) {
  const MonoTime deadline = clock.Monotonic() + wait;
  while (!victims.empty()) {
    auto left = std::chrono::duration_cast<Millis>(deadline - clock.Monotonic());
    if (left <= Millis(0)) break;
    std::vector<pollfd> fds;
    for (const Victim& v : victims) fds.push_back(pollfd{v.pidfd.get(), POLLIN, 0});
    int n =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
    if (n < 0 && errno != EINTR) break;
    std::vector<Victim> still;
    for (size_t i = 0; i < victims.size(); ++i) {
      if (fds[i].revents == 0) still.push_back(std::move(victims[i]));
    }
    victims = std::move(still);
  }
  std::vector<pid_t> lingering;
  for (const Victim& v : victims) lingering.push_back(v.pid);
  return lingering;
}

}  // namespace

std::string FormatAttemptRecord(const AttemptRecord& record) {
  std::string line = std::to_string(record.pgid) + " " + std::to_string(record.leader_starttime);
  if (!record.boot_id.empty()) line += " " + record.boot_id;
  return line + "\n";
}

std::optional<AttemptRecord> ParseAttemptRecord(std::string_view text) {
  std::istringstream in{std::string(text)};
  AttemptRecord r;
  long long pgid = 0;
  if (!(in >> pgid >> r.leader_starttime) || pgid <= 1) return std::nullopt;
  r.pgid = static_cast<pid_t>(pgid);
  in >> r.boot_id;  // optional
  return r;
}

Status WriteAttemptRecord(const std::string& state_dir, const std::string& attempt_id,
                          const AttemptRecord& record) {
  std::string tmp = TempPath(state_dir, attempt_id);
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) return ErrnoStatus("open " + tmp, errno);
    PG_RETURN_IF_ERROR(WriteAll(fd.get(), FormatAttemptRecord(record)));
  }
  std::string path = state_dir + "/" + attempt_id;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("rename " + tmp, errno);
  return Status::Ok();
}

Status RemoveAttemptRecord(const std::string& state_dir, const std::string& attempt_id) {
  std::string path = state_dir + "/" + attempt_id;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink " + path, errno);
  return Status::Ok();
}

Result<CleanupReport> KillLeftoverProcessGroups(const std::string& state_dir, const Clock& clock,
                                                Millis wait) {
  CleanupReport report;
  std::vector<AttemptRecord> records;
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(state_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    files.push_back(it->path());
    // A temporary file is a complete record too if the crash came between
    // write and rename; a torn one does not parse and is just removed. A
    // RecordTable holds one record per line (blank: a free slot).
    std::ifstream in(it->path());
    for (std::string line; std::getline(in, line);) {
      if (std::optional<AttemptRecord> r = ParseAttemptRecord(line)) records.push_back(*r);
    }
  }
  if (ec) return ErrnoStatus("read state dir " + state_dir, ec.value());
  report.records = static_cast<int>(files.size());

  if (!records.empty()) {
    PG_ASSIGN_OR_RETURN(std::vector<ProcStat> procs, ListProcesses());
    const std::string boot_id = ReadBootId();
    const pid_t self = ::getpid();
    std::vector<Victim> victims;
    for (const AttemptRecord& r : records) {
      if (!r.boot_id.empty() && !boot_id.empty() && r.boot_id != boot_id) continue;
      // Linux never hands out a pid still used as a process group id, so the
      // group can only have been reused if its old members are all gone and a
      // new leader took the number: a live process with pid == pgid whose
      // start time differs from the recorded leader's means the group is not
      // ours any more.
      bool reused = false;
      for (const ProcStat& p : procs) {
        if (p.pid == r.pgid && p.starttime != r.leader_starttime) reused = true;
      }
      if (reused) continue;
      for (const ProcStat& p : procs) {
        if (p.pgrp != r.pgid || p.starttime < r.leader_starttime) continue;
        if (p.pid == self || p.state == 'Z') continue;
        if (std::optional<Victim> v = Kill(p)) {
          report.killed.push_back(v->pid);
          victims.push_back(std::move(*v));
        }
      }
    }
    report.lingering = WaitForExit(std::move(victims), clock, wait);
  }

  for (const fs::path& f : files) {
    fs::remove(f, ec);
    if (ec) return ErrnoStatus("remove " + f.string(), ec.value());
  }
  return report;
}

}  // namespace pipegrid::worker
