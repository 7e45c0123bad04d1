#include "worker/proc_stat.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <memory>

#include "worker/posix_util.h"

namespace pipegrid::worker {
namespace {

// Reads a small /proc file in one go (they are generated on read; one read
// of a large enough buffer returns the whole content).
Result<std::string> ReadSmallFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open " + path, errno);
  std::string out;
  char buf[1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      // A process that exits between open and read yields ESRCH.
      return errno == ESRCH ? NotFound(path + ": process gone")
                            : ErrnoStatus("read " + path, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view line) {
  size_t open = line.find('(');
  size_t close = line.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  ProcStat st;
  if (!ParseNumber(line.substr(0, open == 0 ? 0 : open - 1), st.pid)) return std::nullopt;

  // Fields after the command name, numbered from 3.
  std::string_view rest = line.substr(close + 1);
  int field = 3;
  bool have_pgrp = false;
  bool have_start = false;
  while (!rest.empty() && field <= 22) {
    size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    size_t end = rest.find_first_of(" \n");
    std::string_view token = rest.substr(0, end);
    if (field == 3) {
      if (token.size() != 1) return std::nullopt;
      st.state = token[0];
    } else if (field == 5) {
      have_pgrp = ParseNumber(token, st.pgrp);
    } else if (field == 22) {
      have_start = ParseNumber(token, st.starttime);
    }
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    ++field;
  }
  if (!have_pgrp || !have_start) return std::nullopt;
  return st;
}

Result<ProcStat> ReadProcStat(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  PG_ASSIGN_OR_RETURN(std::string line, ReadSmallFile(path));
  std::optional<ProcStat> st = ParseProcStat(line);
  if (!st) return Internal("cannot parse " + path);
  return *st;
}

Result<std::vector<ProcStat>> ListProcesses() {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/proc"), &::closedir);
  if (dir == nullptr) return ErrnoStatus("opendir /proc", errno);
  std::vector<ProcStat> out;
  while (dirent* entry = ::readdir(dir.get())) {
    pid_t pid = 0;
    if (!ParseNumber(std::string_view(entry->d_name), pid)) continue;
    Result<ProcStat> st = ReadProcStat(pid);
    if (st.ok()) out.push_back(*st);
  }
  return out;
}

std::string ReadBootId() {
  Result<std::string> id = ReadSmallFile("/proc/sys/kernel/random/boot_id");
  if (!id.ok()) return {};
  std::string s = std::move(id).value();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace pipegrid::worker
