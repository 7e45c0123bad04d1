#include "worker/direct/command_table.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <functional>
#include <future>
#include <utility>
#include <vector>

#include "worker/attempt_record.h"
#include "worker/direct/command_setup.h"
#include "worker/environment.h"
#include "worker/posix_util.h"
#include "worker/proc_stat.h"
#include "worker/pump_to_loop.h"

namespace pipegrid::worker::direct {
namespace {

namespace fs = std::filesystem;

Status ValidateRequest(const CommandRequest& r, const std::string& work_dir) {
  if (r.command.empty()) return InvalidArgument("command is empty", "command");
  if (r.command.find('\0') != std::string::npos) {
    return InvalidArgument("command holds a NUL byte", "command");
  }
  if (r.timeout && *r.timeout <= Millis(0)) {
    return InvalidArgument("timeout_ms must be positive", "timeout_ms");
  }
  if (!r.work_dir.empty()) PG_RETURN_IF_ERROR(ResolveWorkDir(work_dir, r.work_dir).status());
  return ValidateEnv(r.env);
}

std::string RequestKey(const CommandRequest& r) { return r.caller + '\0' + r.request_id; }

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

// Removes what a previous run left in `root` except the records directory.
int RemovePreviousCommands(const std::string& root) {
  int removed = 0;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(root, ec)) {
    if (entry.path().filename() == ".running") continue;
    std::error_code rm;
    fs::remove_all(entry.path(), rm);
    if (rm) {
      spdlog::warn("old direct command not removed path={} error={}", entry.path().string(),
                   rm.message());
    } else {
      ++removed;
    }
  }
  return removed;
}

}  // namespace

CommandTable::CommandTable(TableOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), ids_(clock), loop_(clock) {}

Result<std::unique_ptr<CommandTable>> CommandTable::Create(TableOptions options,
                                                           const Clock& clock) {
  if (options.work_dir.empty()) return InvalidArgument("the worker direct API needs a work dir");
  if (options.max_running < 1) return InvalidArgument("max running commands must be at least 1");
  std::unique_ptr<CommandTable> table(new CommandTable(std::move(options), clock));
  PG_RETURN_IF_ERROR(table->Init());
  return table;
}

Status CommandTable::Init() {
  std::error_code ec;
  fs::path work = fs::absolute(options_.work_dir, ec).lexically_normal();
  std::string work_dir = work.string();
  while (work_dir.size() > 1 && work_dir.back() == '/') work_dir.pop_back();
  const std::string root = DirectRoot(work_dir);
  if (!ec) fs::create_directories(RunningRecordDir(root), ec);
  if (ec) return ErrnoStatus("create " + RunningRecordDir(root), ec.value());

  PG_ASSIGN_OR_RETURN(
      CleanupReport cleanup,
      KillLeftoverProcessGroups(RunningRecordDir(root), clock_, options_.cleanup_wait));
  const int removed = RemovePreviousCommands(root);
  if (cleanup.records > 0 || removed > 0) {
    spdlog::info("cleared direct commands of a previous run dirs={} killed={} lingering={}",
                 removed, cleanup.killed.size(), cleanup.lingering.size());
  }

  base_env_ = SnapshotProcessEnvironment();
  context_.loop = &loop_;
  context_.work_dir = work_dir;
  context_.root = root;
  context_.base_env = &base_env_;
  context_.boot_id = ReadBootId();
  context_.max_output_bytes = options_.max_output_bytes;
  context_.kill_grace = options_.kill_grace;
  context_.output_drain_timeout = options_.output_drain_timeout;

  PG_ASSIGN_OR_RETURN(pump_, OutputPump::Start(PostToLoop(
                                 loop_, std::bind_front(&CommandTable::OnLeaderExited, this),
                                 std::bind_front(&CommandTable::OnStreamClosed, this))));
  context_.pump = pump_.get();
  loop_.Start("pg-direct");
  std::lock_guard lock(stop_mu_);
  threads_started_ = true;
  return Status::Ok();
}

CommandTable::~CommandTable() {
  StopAll(Millis(0));
  Close();
}

void CommandTable::Start(CommandRequest request, InfoCallback done) {
  auto holder = std::make_shared<CommandRequest>(std::move(request));
  loop_.Post([this, holder, done = std::move(done)] { DoStart(std::move(*holder), done); });
}

void CommandTable::Stop(std::string id, Millis grace, std::string caller, InfoCallback done) {
  loop_.Post([this, id = std::move(id), grace, caller = std::move(caller), done = std::move(done)] {
    DoStop(id, grace, caller, done);
  });
}

void CommandTable::Get(std::string id, InfoCallback done) {
  loop_.Post([this, id = std::move(id), done = std::move(done)] {
    auto it = commands_.find(id);
    if (it == commands_.end()) return done(NotFound("no command " + id));
    done(it->second->Info());
  });
}

void CommandTable::WaitForOutput(uint64_t waiter, std::string id, int64_t offset,
                                 WakeCallback wake) {
  loop_.Post(
      [this, waiter, w = Waiter{std::move(id), offset, std::move(wake)}] { DoWait(waiter, w); });
}

void CommandTable::CancelWait(uint64_t waiter) {
  loop_.Post([this, waiter] { waiters_.erase(waiter); });
}

void CommandTable::StopAll(Millis grace) {
  PG_CHECK(!loop_.InLoopThread());  // it waits for the loop
  std::lock_guard lock(stop_mu_);
  if (!threads_started_ || stopped_all_ || closed_) return;
  stopped_all_ = true;
  std::promise<void> done;
  std::future<void> all_gone = done.get_future();
  loop_.Post([this, grace, &done] {
    stopping_ = true;
    stop_all_done_ = [&done] { done.set_value(); };
    for (auto& [token, cmd] : running_) {
      cmd->Stop(Outcome::kInterrupted, grace, "worker shutting down");
    }
    MaybeCompleteStopAll();
  });
  all_gone.wait();
}

void CommandTable::Close() {
  std::lock_guard lock(stop_mu_);
  if (closed_) return;
  closed_ = true;
  loop_.Stop();
  if (pump_) pump_->Stop();
}

void CommandTable::DoStart(CommandRequest request, const InfoCallback& done) {
  PG_DCHECK(loop_.InLoopThread());
  if (stopping_) return done(Unavailable("the worker is shutting down"));
  Status valid = ValidateRequest(request, context_.work_dir);
  if (!valid.ok()) return done(valid);
  if (!request.request_id.empty()) {
    auto it = by_request_.find(RequestKey(request));
    if (it != by_request_.end()) {
      const DirectCommand& first = *commands_.at(it->second);
      if (!first.request().SameAs(request)) {
        return done(AlreadyExists("request_id " + request.request_id +
                                  " was used for another request (command " + first.id() + ")"));
      }
      return done(first.Info());
    }
  }
  if (running_.size() >= static_cast<size_t>(options_.max_running)) {
    return done(ResourceExhausted("too many direct commands running (limit " +
                                  std::to_string(options_.max_running) + ")"));
  }
  const std::string id = ids_.Next();
  Result<std::unique_ptr<DirectCommand>> cmd =
      DirectCommand::Start(context_, next_token_++, id, std::move(request));
  if (!cmd.ok()) {
    std::error_code ec;
    fs::remove_all(CommandDir(context_.root, id), ec);
    return done(cmd.status());
  }
  DirectCommand& started = **cmd;
  if (!started.request().request_id.empty()) by_request_[RequestKey(started.request())] = id;
  running_[started.token()] = &started;
  commands_.emplace(id, std::move(cmd).value());
  done(started.Info());
}

void CommandTable::DoStop(const std::string& id, Millis grace, const std::string& caller,
                          const InfoCallback& done) {
  PG_DCHECK(loop_.InLoopThread());
  if (grace < Millis(0)) return done(InvalidArgument("grace_ms must not be negative", "grace_ms"));
  auto it = commands_.find(id);
  if (it == commands_.end()) return done(NotFound("no command " + id));
  DirectCommand& cmd = *it->second;
  cmd.Stop(grace > Millis(0) ? Outcome::kCancelled : Outcome::kKilled, grace,
           "stopped by " + caller);
  done(cmd.Info());
}

void CommandTable::DoWait(uint64_t waiter, Waiter w) {
  PG_DCHECK(loop_.InLoopThread());
  auto it = commands_.find(w.id);
  if (it == commands_.end() || it->second->finished()) return w.wake(true);
  if (FileSize(it->second->output_path()) > w.offset) return w.wake(false);
  waiters_.emplace(waiter, std::move(w));
  if (!poll_armed_) {
    poll_armed_ = true;
    loop_.RunAfter(options_.follow_poll, [this] { PollFollowed(); });
  }
}

void CommandTable::PollFollowed() {
  poll_armed_ = false;
  std::unordered_map<std::string, int64_t> sizes;  // one stat per command per tick
  std::vector<WakeCallback> ready;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    auto [size_it, fresh] = sizes.try_emplace(it->second.id, 0);
    if (fresh) size_it->second = FileSize(commands_.at(it->second.id)->output_path());
    if (size_it->second > it->second.offset) {
      ready.push_back(std::move(it->second.wake));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  if (!waiters_.empty()) {
    poll_armed_ = true;
    loop_.RunAfter(options_.follow_poll, [this] { PollFollowed(); });
  }
  for (WakeCallback& wake : ready) wake(false);
}

void CommandTable::OnLeaderExited(uint64_t token) {
  PG_DCHECK(loop_.InLoopThread());
  auto it = running_.find(token);
  PG_CHECK(it != running_.end());  // a command outlives its pump events
  DirectCommand& cmd = *it->second;
  cmd.OnLeaderExited();
  Collect(cmd);
}

void CommandTable::OnStreamClosed(uint64_t token, std::unique_ptr<LogSink> sink) {
  PG_DCHECK(loop_.InLoopThread());
  auto it = running_.find(token);
  PG_CHECK(it != running_.end());
  DirectCommand& cmd = *it->second;
  cmd.OnStreamClosed(std::move(sink));
  Collect(cmd);
}

void CommandTable::Collect(DirectCommand& cmd) {
  if (!cmd.finished()) return;
  const std::string id = cmd.id();
  const CommandInfo info = cmd.Info();
  spdlog::info("direct command finished command_id={} outcome={} reason={}", id, Name(info.outcome),
               info.reason);
  running_.erase(cmd.token());
  finished_order_.push_back(id);

  std::vector<WakeCallback> ready;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second.id == id) {
      ready.push_back(std::move(it->second.wake));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  for (WakeCallback& wake : ready) wake(true);

  while (finished_order_.size() > options_.max_finished) {
    Evict(finished_order_.front());
    finished_order_.pop_front();
  }
  MaybeCompleteStopAll();
}

void CommandTable::Evict(const std::string& id) {
  auto it = commands_.find(id);
  PG_CHECK(it != commands_.end() && it->second->finished());
  const CommandRequest& request = it->second->request();
  if (!request.request_id.empty()) by_request_.erase(RequestKey(request));
  commands_.erase(it);
  // On the loop thread: a huge working directory delays timers by as long as
  // the removal takes, acceptable for a record that old. A stream still
  // reading the output keeps its open descriptor, so it is not cut short.
  std::error_code ec;
  fs::remove_all(CommandDir(context_.root, id), ec);
  if (ec) spdlog::warn("direct command dir not removed command_id={} error={}", id, ec.message());
}

void CommandTable::MaybeCompleteStopAll() {
  if (!stopping_ || !running_.empty() || !stop_all_done_) return;
  std::exchange(stop_all_done_, nullptr)();
}

}  // namespace pipegrid::worker::direct
