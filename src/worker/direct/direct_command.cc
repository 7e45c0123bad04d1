#include "worker/direct/direct_command.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <utility>

#include "common/units.h"
#include "worker/attempt_record.h"
#include "worker/direct/command_setup.h"
#include "worker/proc_stat.h"

namespace pipegrid::worker::direct {

namespace fs = std::filesystem;

DirectCommand::DirectCommand(const CommandContext& ctx, uint64_t token, std::string id,
                             CommandRequest request)
    : ctx_(ctx),
      token_(token),
      id_(std::move(id)),
      request_(std::move(request)),
      output_path_(OutputPath(ctx.root, id_)),
      // SignalGroup is a no-op once the child is reaped.
      stopper_(*ctx.loop, [this](int sig) { child_.SignalGroup(sig); }) {}

DirectCommand::~DirectCommand() = default;

Result<std::unique_ptr<DirectCommand>> DirectCommand::Start(const CommandContext& ctx,
                                                            uint64_t token, std::string id,
                                                            CommandRequest request) {
  std::unique_ptr<DirectCommand> cmd(
      new DirectCommand(ctx, token, std::move(id), std::move(request)));
  PG_RETURN_IF_ERROR(cmd->Spawn());
  return cmd;
}

Status DirectCommand::Spawn() {
  PG_DCHECK(ctx_.loop->InLoopThread());
  std::string cwd = CommandDir(ctx_.root, id_) + "/work";
  if (!request_.work_dir.empty()) {
    PG_ASSIGN_OR_RETURN(cwd, ResolveWorkDir(ctx_.work_dir, request_.work_dir));
  }
  std::error_code ec;
  fs::create_directories(cwd, ec);
  if (ec) return ErrnoStatus("create working directory " + cwd, ec.value());
  PG_ASSIGN_OR_RETURN(sink_, LogSink::Open(output_path_, ctx_.max_output_bytes));
  CommandEnv env(*ctx_.base_env, cwd, id_, request_.env);

  PG_ASSIGN_OR_RETURN(Pipe pipe, MakeOutputPipe());
  Result<ChildProcess> child =
      ChildProcess::Spawn(SpawnOptions{request_.command, cwd, env.envp(), pipe.write.get()});
  // Only the child may hold the write end now, or EOF would never come.
  pipe.write.Reset();
  if (!child.ok()) return child.status();
  child_ = std::move(child).value();
  pgid_ = child_.pid();

  // Recorded before anything else can fail, so that a crash of the worker
  // from here on leaves a record naming the group (the next start kills it).
  Result<ProcStat> stat = ReadProcStat(pgid_);
  Status recorded = stat.ok() ? WriteAttemptRecord(RunningRecordDir(ctx_.root), id_,
                                                   {pgid_, stat->starttime, ctx_.boot_id})
                              : stat.status();
  Result<UniqueFd> pidfd = recorded.ok() ? child_.OpenPidfd() : Result<UniqueFd>(recorded);
  if (!pidfd.ok()) {
    child_.KillGroupAndReap().status().IgnoreError();  // nothing of it may be left
    RemoveAttemptRecord(RunningRecordDir(ctx_.root), id_).IgnoreError();
    return pidfd.status();
  }
  started_at_ = ctx_.loop->clock().Wall();
  if (request_.timeout) {
    timeout_timer_ = ctx_.loop->RunAfter(*request_.timeout, [this] {
      timeout_timer_.reset();
      if (outcome_) return;
      Decide(Outcome::kTimeout, "timed out after " + FormatDuration(*request_.timeout));
      Terminate(ctx_.kill_grace);
    });
  }
  ctx_.pump->Watch(token_, std::move(pipe.read), std::move(pidfd).value(), std::move(sink_));
  return Status::Ok();
}

void DirectCommand::Stop(Outcome outcome, Millis grace, std::string reason) {
  PG_DCHECK(ctx_.loop->InLoopThread());
  if (finished_) return;
  // A leader that already exited ended the command by itself; only its
  // output is still draining.
  if (!outcome_ && !leader_exited_) Decide(outcome, std::move(reason));
  Terminate(grace);
}

void DirectCommand::Decide(Outcome outcome, std::string reason) {
  PG_CHECK(!outcome_);
  outcome_ = outcome;
  reason_ = std::move(reason);
}

void DirectCommand::Terminate(Millis grace) {
  if (leader_exited_) return;  // the group is already killed
  stopper_.Stop(grace);
}

void DirectCommand::OnLeaderExited() {
  PG_DCHECK(ctx_.loop->InLoopThread());
  PG_CHECK(!leader_exited_);
  leader_exited_ = true;
  // Kill the rest of the group while the unreaped leader still pins its id.
  exit_status_ = child_.KillGroupAndReap();
  stopper_.Cancel();
  if (!stream_closed_) {
    drain_timer_ = ctx_.loop->RunAfter(ctx_.output_drain_timeout, [this] {
      drain_timer_.reset();
      ctx_.pump->Abandon(token_);
    });
  }
  MaybeFinish();
}

void DirectCommand::OnStreamClosed(std::unique_ptr<LogSink> sink) {
  PG_DCHECK(ctx_.loop->InLoopThread());
  PG_CHECK(!stream_closed_);
  stream_closed_ = true;
  sink_ = std::move(sink);
  CancelTimer(drain_timer_);
  MaybeFinish();
}

void DirectCommand::MaybeFinish() {
  if (!leader_exited_ || !stream_closed_) return;
  if (!outcome_) {
    if (!exit_status_.ok()) {
      Decide(Outcome::kExit, "exit status lost: " + exit_status_.status().message());
    } else if (exit_status_->signaled) {
      Decide(Outcome::kSignal, "killed by signal " + std::to_string(exit_status_->value));
    } else if (exit_status_->value != 0) {
      Decide(Outcome::kExit, "exited with " + std::to_string(exit_status_->value));
    } else {
      Decide(Outcome::kSucceeded, "");
    }
  }
  finished_ = true;
  finished_at_ = ctx_.loop->clock().Wall();
  CancelTimer(timeout_timer_);
  stopper_.Cancel();
  CancelTimer(drain_timer_);
  if (sink_ && !sink_->error().ok()) {
    spdlog::warn("direct command output incomplete command_id={} error={}", id_,
                 sink_->error().ToString());
  }
  sink_.reset();  // the file is complete before anyone can see FINISHED
  Status removed = RemoveAttemptRecord(RunningRecordDir(ctx_.root), id_);
  if (!removed.ok()) spdlog::warn("direct command record not removed error={}", removed.ToString());
}

CommandInfo DirectCommand::Info() const {
  CommandInfo info;
  info.id = id_;
  info.state = finished_  ? CommandState::kFinished
               : outcome_ ? CommandState::kStopping
                          : CommandState::kRunning;
  if (finished_) {
    info.outcome = *outcome_;
    if (exit_status_.ok()) {
      (exit_status_->signaled ? info.signal : info.exit_code) = exit_status_->value;
    }
    info.finished_at = finished_at_;
  }
  info.reason = reason_;
  info.pgid = pgid_;
  info.started_at = started_at_;
  struct stat st {};
  if (::stat(output_path_.c_str(), &st) == 0) info.output_bytes = st.st_size;
  info.output_path = output_path_;
  return info;
}

void DirectCommand::CancelTimer(std::optional<EventLoop::TimerId>& timer) {
  if (timer) ctx_.loop->CancelTimer(*timer);
  timer.reset();
}

}  // namespace pipegrid::worker::direct
