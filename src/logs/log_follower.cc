#include "logs/log_follower.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "logs/sse.h"
#include "worker/agent.h"

namespace pipegrid::logs {
namespace {

// Per piece: large enough to keep up with a chatty task, small enough that
// one follower does not hold an HTTP thread for long.
constexpr size_t kMaxChunk = 64 * 1024;

// Bytes at the end of `data` that start a UTF-8 sequence not yet complete.
size_t IncompleteUtf8Tail(std::string_view data) {
  size_t n = data.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    auto c = static_cast<unsigned char>(data[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    return need > back ? back : 0;
  }
  return 0;  // not UTF-8 we could complete: send it as it is
}

}  // namespace

std::string LogEventId(int attempt, int64_t offset) {
  return fmt::format("{}:{}", attempt, offset);
}

std::optional<std::pair<int, int64_t>> ParseLogEventId(std::string_view id) {
  size_t colon = id.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto parse = [](std::string_view text, auto& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
  };
  int attempt = 0;
  int64_t offset = 0;
  if (!parse(id.substr(0, colon), attempt) || !parse(id.substr(colon + 1), offset)) {
    return std::nullopt;
  }
  if (attempt < 1 || offset < 0) return std::nullopt;
  return std::make_pair(attempt, offset);
}

LogFollower::LogFollower(store::Store& store, ChangeFeed& changes, LogWatcher* watcher,
                         std::string log_dir, LogFollowOptions options)
    : store_(store),
      changes_(changes),
      watcher_(watcher),
      log_dir_(std::move(log_dir)),
      options_(std::move(options)) {}

void LogFollower::Start(std::function<void()> wake) {
  wake_ = std::move(wake);
  subscription_ = changes_.Subscribe(options_.job_id, wake_);
}

Piece LogFollower::Next() {
  if (attempt_ == 0) {
    Result<std::optional<store::TaskRecord>> task = LoadTask();
    if (!task.ok() || !*task) return Finish(last_state_);
    last_state_ = (*task)->state;
    if ((*task)->attempts_started == 0) {
      return IsFinished((*task)->state) ? Finish(last_state_) : Piece::Wait();
    }
    if (options_.attempt > 0) {
      SwitchTo(options_.attempt, options_.offset);
      header_sent_ = options_.resumed;
      shown_attempt_ = options_.resumed;
    } else {
      SwitchTo((*task)->attempts_started, 0);
    }
  }
  for (;;) {
    if (!header_sent_) {
      header_sent_ = true;
      std::string header = AttemptHeader();
      shown_attempt_ = true;
      if (!header.empty()) {
        at_line_start_ = true;  // every header ends its line
        return Piece::Data(std::move(header));
      }
    }
    // New output while the attempt may still run: no need to ask the store.
    if (std::string bytes = ReadMore(/*complete=*/false); !bytes.empty()) {
      return Output(std::move(bytes));
    }
    Result<std::optional<store::TaskRecord>> task = LoadTask();
    if (!task.ok() || !*task) return Finish(last_state_);
    last_state_ = (*task)->state;
    // Store first, file second (see the header): if the attempt is over now,
    // what the file holds from here on is all it will ever hold.
    bool newer = (*task)->attempts_started > attempt_;
    bool complete = newer || IsFinished((*task)->state);
    if (std::string bytes = ReadMore(complete); !bytes.empty()) return Output(std::move(bytes));
    if (!complete) return Piece::Wait();
    if (!newer) return Finish(last_state_);
    SwitchTo(attempt_ + 1, 0);
  }
}

Result<std::optional<store::TaskRecord>> LogFollower::LoadTask() {
  Result<std::vector<store::TaskRecord>> tasks = store_.ListTasks(options_.job_id);
  if (!tasks.ok()) {
    spdlog::warn("log follow ended: {} job={} task={}", tasks.status().ToString(), options_.job_id,
                 options_.task);
    return tasks.status();
  }
  for (store::TaskRecord& t : *tasks) {
    if (t.name == options_.task) return std::optional<store::TaskRecord>(std::move(t));
  }
  return std::optional<store::TaskRecord>();
}

void LogFollower::SwitchTo(int attempt, int64_t offset) {
  attempt_ = attempt;
  offset_ = offset;
  header_sent_ = false;
  watch_.Reset();
  watched_dir_.clear();
  file_.Reset();
}

bool LogFollower::OpenLog() {
  std::string path = worker::FindLogPath(log_dir_, options_.job_id, options_.task, attempt_);
  file_.Reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file_.valid() && watcher_ != nullptr) {
    WatchForCreation();
    // Created between the open and the watch: no event would come for it.
    file_.Reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  }
  if (!file_.valid()) return false;
  // Watched before the first read, so output written after that read wakes us.
  if (watcher_ != nullptr) {
    watched_dir_.clear();
    Result<LogWatcher::Watch> watch = watcher_->Add(path, wake_);
    if (watch.ok()) {
      watch_ = std::move(watch).value();
    } else {
      watch_.Reset();
      spdlog::warn("log follow falls back to commits: {} job={} task={}",
                   watch.status().ToString(), options_.job_id, options_.task);
    }
  }
  return true;
}

void LogFollower::WatchForCreation() {
  // The job's first log creates its directory, then the file: until the
  // directory exists, log_dir_ is watched, and its wake brings us back here.
  for (const std::string& dir : {log_dir_ + "/" + options_.job_id, log_dir_}) {
    if (watched_dir_ == dir) return;
    Result<LogWatcher::Watch> watch = watcher_->Add(dir, wake_);
    if (watch.ok()) {
      watch_ = std::move(watch).value();
      watched_dir_ = dir;
      return;
    }
    if (watch.status().code() != StatusCode::kNotFound) return;  // commits still wake us
  }
}

std::string LogFollower::ReadMore(bool complete) {
  if (log_dir_.empty()) return {};
  if (!file_.valid() && !OpenLog()) return {};  // no output yet
  // On the stack: most calls (a wake with nothing new) read nothing.
  char buf[kMaxChunk];
  ssize_t n;
  do {
    n = ::pread(file_.get(), buf, sizeof buf, offset_);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return {};
  std::string_view bytes(buf, static_cast<size_t>(n));
  if (!complete) bytes.remove_suffix(IncompleteUtf8Tail(bytes));
  offset_ += static_cast<int64_t>(bytes.size());
  return std::string(bytes);
}

std::string LogFollower::AttemptHeader() const {
  if (options_.sse) {
    return SseEvent(LogEventId(attempt_, 0), "attempt", fmt::format("{{\"number\":{}}}", attempt_));
  }
  if (!shown_attempt_) return {};
  return fmt::format("{}--- attempt {} ---\n", at_line_start_ ? "" : "\n", attempt_);
}

Piece LogFollower::Output(std::string bytes) {
  if (options_.sse) return Piece::Data(SseEvent(LogEventId(attempt_, offset_), "log", bytes));
  at_line_start_ = bytes.back() == '\n';
  return Piece::Data(std::move(bytes));
}

Piece LogFollower::Finish(std::optional<TaskState> state) const {
  if (!options_.sse) return Piece::End();
  std::string name = state ? fmt::format("\"{}\"", Name(*state)) : "null";
  return Piece::End(SseEvent("", "end", fmt::format("{{\"state\":{}}}", name)));
}

}  // namespace pipegrid::logs
