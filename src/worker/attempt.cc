#include "worker/attempt.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "common/units.h"
#include "worker/attempt_record.h"
#include "worker/proc_stat.h"
#include "worker/task_files.h"
#include "worker/workspace.h"

namespace pipegrid::worker {

Attempt::Attempt(const AttemptContext& ctx, uint64_t serial, protocol::Assignment assignment)
    : ctx_(ctx),
      serial_(serial),
      assignment_(std::move(assignment)),
      stopper_(*ctx.loop, [this](int sig) {
        if (running_) running_->child.SignalGroup(sig);
      }) {
  // Only "shell" semantics exist so far, and no executor sidecar can be
  // attached yet, so every step runs here whatever executor it names - which
  // is also what DESIGN §2 asks for when the named executor is not attached.
  for (size_t s = 0; s < assignment_.steps.size(); ++s) {
    const auto& cmds = assignment_.steps[s].commands;
    for (size_t c = 0; c < cmds.size(); ++c) {
      commands_.push_back(CommandRef{static_cast<int>(s + 1), static_cast<int>(c + 1), &cmds[c]});
    }
  }
}

Attempt::~Attempt() = default;

void Attempt::Start() {
  PG_DCHECK(ctx_.loop->InLoopThread());
  const protocol::Assignment& a = assignment_;
  if (!IsSafePathComponent(a.attempt_id)) return FailSetup("bad attempt id for a path");
  if (commands_.size() > UINT32_MAX) return FailSetup("too many commands");

  Result<std::string> workspace = ctx_.spares->Prepare(a.job_id, a.task_name);
  if (!workspace.ok())
    return FailSetup("cannot prepare workspace: " + workspace.status().message());
  workspace_ = std::move(workspace).value();
  if (Status placed = PlaceInputs(workspace_, a.inputs); !placed.ok()) {
    return FailSetup("cannot place inputs: " + placed.message());
  }

  Result<std::unique_ptr<LogSink>> sink =
      LogSink::Open(LogPath(ctx_.options->log_dir, a.job_id, a.task_name, a.attempt_number),
                    ctx_.options->max_log_bytes, LogSink::Create::kOnFirstWrite);
  if (!sink.ok()) return FailSetup("cannot open log: " + sink.status().message());
  sink_ = std::move(sink).value();
  env_ = std::make_unique<Environment>(*ctx_.base_env, a, workspace_);

  if (a.timeout) {
    timeout_timer_ = ctx_.loop->RunAfter(*a.timeout, [this] {
      timeout_timer_.reset();
      if (verdict_) return;
      Decide(Outcome::kTimeout, "timed out after " + FormatDuration(*assignment_.timeout));
      Terminate(ctx_.options->kill_grace);
    });
  }
  if (commands_.empty()) {
    DecideSuccess();
    return Finish();
  }
  StartCommand(0);
}

void Attempt::StartCommand(uint32_t index) {
  const CommandRef& cmd = commands_[index];
  Result<Pipe> pipe = MakeOutputPipe();
  if (!pipe.ok()) return FailSetup(Describe(cmd) + " could not start: " + pipe.status().message());

  Result<ChildProcess> child =
      ChildProcess::Spawn(SpawnOptions{*cmd.text, workspace_, env_->envp(), pipe->write.get()});
  // Only the child may hold the write end now, or EOF would never come.
  pipe->write.Reset();
  if (!child.ok()) {
    std::string reason = Describe(cmd) + " could not start: " + child.status().message();
    sink_->AppendNote("[pipegrid: " + reason + "]");
    return FailSetup(std::move(reason));
  }
  running_.emplace(Running{index, std::move(child).value()});
  const pid_t pgid = running_->child.pid();

  // Record the group before anything can go wrong, so that a crash from here
  // on leaves a record naming it. The leader is unreaped, so /proc has it.
  Result<ProcStat> stat = ReadProcStat(pgid);
  if (!record_slot_) record_slot_ = ctx_.records->Acquire();
  Status recorded = stat.ok() ? ctx_.records->Write(*record_slot_,
                                                    {pgid, stat->starttime, ctx_.boot_id})
                              : stat.status();
  Result<UniqueFd> pidfd = recorded.ok() ? running_->child.OpenPidfd() : Result<UniqueFd>(recorded);
  if (!pidfd.ok()) {
    running_.reset();  // kills and reaps
    return FailSetup(Describe(cmd) + " could not be supervised: " + pidfd.status().message());
  }

  if (!started_sent_) {
    started_sent_ = true;
    ctx_.master->Started({assignment_.attempt_id, pgid, ctx_.loop->clock().Wall()});
  }
  ctx_.pump->Watch(Token(serial_, index), std::move(pipe->read), std::move(pidfd).value(),
                   std::move(sink_));
}

void Attempt::Stop(Outcome outcome, Millis grace, std::string reason) {
  PG_DCHECK(ctx_.loop->InLoopThread());
  if (finished_) return;
  if (!verdict_) Decide(outcome, std::move(reason));
  Terminate(grace);
}

void Attempt::Terminate(Millis grace) {
  if (!running_ || running_->leader_exited) return;  // the group is already killed
  stopper_.Stop(grace);
}

void Attempt::OnLeaderExited(uint32_t command) {
  PG_DCHECK(ctx_.loop->InLoopThread());
  PG_CHECK(running_ && running_->index == command && !running_->leader_exited);
  running_->leader_exited = true;
  // Kill the rest of the group while the unreaped leader still pins its id.
  running_->status = running_->child.KillGroupAndReap();
  stopper_.Cancel();
  if (!running_->stream_closed) {
    drain_timer_ = ctx_.loop->RunAfter(ctx_.options->output_drain_timeout, [this, command] {
      drain_timer_.reset();
      ctx_.pump->Abandon(Token(serial_, command));
    });
  }
  MaybeCommandDone();
}

void Attempt::OnStreamClosed(uint32_t command, std::unique_ptr<LogSink> sink) {
  PG_DCHECK(ctx_.loop->InLoopThread());
  PG_CHECK(running_ && running_->index == command && !running_->stream_closed);
  running_->stream_closed = true;
  sink_ = std::move(sink);
  CancelTimer(drain_timer_);
  MaybeCommandDone();
}

void Attempt::MaybeCommandDone() {
  if (!running_->leader_exited || !running_->stream_closed) return;
  const uint32_t index = running_->index;
  const CommandRef& cmd = commands_[index];
  Result<ExitStatus> status = std::move(running_->status);
  running_.reset();

  if (!verdict_) {
    if (!status.ok()) {
      Decide(Outcome::kExit, Describe(cmd) + ": exit status lost: " + status.status().message());
    } else if (status->signaled) {
      Decide(Outcome::kSignal, Describe(cmd) + " killed by signal " + std::to_string(status->value),
             std::nullopt, status->value);
    } else if (status->value != 0) {
      Decide(Outcome::kExit, Describe(cmd) + " exited with " + std::to_string(status->value),
             status->value);
    } else if (index + 1 == commands_.size()) {
      DecideSuccess();
    }
  }
  if (verdict_) return Finish();
  StartCommand(index + 1);
}

void Attempt::Decide(Outcome outcome, std::string reason, std::optional<int> exit_code,
                     std::optional<int> signal) {
  PG_CHECK(!verdict_);
  verdict_.emplace();
  verdict_->attempt_id = assignment_.attempt_id;
  verdict_->outcome = outcome;
  verdict_->exit_code = exit_code;
  verdict_->signal = signal;
  verdict_->reason = std::move(reason);
}

void Attempt::DecideSuccess() {
  // The steps succeeded; the attempt does only if its declared outputs exist.
  auto outputs = CollectOutputs(workspace_, assignment_.outputs, assignment_.max_output_bytes);
  if (!outputs.ok()) return Decide(Outcome::kExit, outputs.status().message());
  Decide(Outcome::kSucceeded, "");
  verdict_->outputs = std::move(outputs).value();
  verdict_->workspace = workspace_;
}

void Attempt::FailSetup(std::string reason) {
  PG_CHECK(!running_);
  spdlog::warn("attempt setup failed attempt={} reason={}", assignment_.attempt_id, reason);
  if (!verdict_) Decide(Outcome::kExit, std::move(reason));
  Finish();
}

void Attempt::Finish() {
  PG_CHECK(!running_ && verdict_ && !finished_);
  finished_ = true;
  CancelTimer(timeout_timer_);
  stopper_.Cancel();
  CancelTimer(drain_timer_);
  if (sink_ && !sink_->error().ok()) {
    spdlog::warn("attempt log incomplete attempt={} error={}", assignment_.attempt_id,
                 sink_->error().ToString());
  }
  sink_.reset();  // the log is complete and closed before anyone hears of the end
  // The processes are gone; a record left behind by a failed write would
  // only make the next start scan /proc for a group that no longer exists.
  if (record_slot_) {
    Status removed = ctx_.records->Clear(*record_slot_);
    if (!removed.ok()) spdlog::warn("attempt record not removed error={}", removed.ToString());
    ctx_.records->Release(*std::exchange(record_slot_, std::nullopt));
  }
  // Nothing to look at, nothing to ship: the next attempt can have it.
  if (!ctx_.options->keep_workspaces && verdict_->outputs.empty()) {
    ctx_.spares->Recycle(workspace_);
  }
  verdict_->finished_at = ctx_.loop->clock().Wall();
  spdlog::debug("attempt finished attempt={} outcome={} reason={}", assignment_.attempt_id,
                Name(verdict_->outcome), verdict_->reason);
  ctx_.master->Finished(*verdict_);
}

void Attempt::CancelTimer(std::optional<EventLoop::TimerId>& timer) {
  if (timer) ctx_.loop->CancelTimer(*timer);
  timer.reset();
}

std::string Attempt::Describe(const CommandRef& c) const {
  return "step " + std::to_string(c.step) + " command " + std::to_string(c.command);
}

}  // namespace pipegrid::worker
