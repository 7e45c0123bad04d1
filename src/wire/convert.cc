#include "wire/convert.h"

#include <chrono>

namespace pipegrid::wire {

int64_t ToMillis(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

WallTime FromMillis(int64_t ms) { return WallTime(std::chrono::milliseconds(ms)); }

// The two enums share their numbering (tests/unit/proto checks it).
v1::Outcome ToProto(Outcome o) { return static_cast<v1::Outcome>(static_cast<int>(o)); }

Outcome FromProto(v1::Outcome o) {
  int v = static_cast<int>(o);
  if (v <= 0 || v > static_cast<int>(Outcome::kKilled)) return Outcome::kNone;
  return static_cast<Outcome>(v);
}

void ToProto(const protocol::Assignment& in, v1::Assign* out) {
  out->set_attempt_id(in.attempt_id);
  out->set_job_id(in.job_id);
  out->set_task_id(in.task_id);
  out->set_task_name(in.task_name);
  out->set_attempt_number(in.attempt_number);
  for (const protocol::StepCommand& s : in.steps) {
    v1::Step* step = out->add_steps();
    step->set_executor(s.executor);
    for (const std::string& c : s.commands) step->add_commands(c);
  }
  if (in.timeout) out->set_timeout_ms(in.timeout->count());
  for (const auto& [k, v] : in.env) (*out->mutable_env())[k] = v;
  for (const std::string& o : in.outputs) out->add_outputs(o);
  out->set_max_output_bytes(in.max_output_bytes);
  for (const protocol::InputFile& i : in.inputs) {
    v1::Input* input = out->add_inputs();
    input->set_task(i.task);
    ToProto(i.file, input->mutable_file());
  }
}

void ToProto(const protocol::OutputFile& in, v1::OutputFile* out) {
  out->set_path(in.path);
  out->set_size(in.size);
  out->set_sha256(in.sha256);
}

protocol::OutputFile FromProto(const v1::OutputFile& in) {
  return {in.path(), in.size(), in.sha256()};
}

protocol::Assignment FromProto(const v1::Assign& in) {
  protocol::Assignment out;
  out.attempt_id = in.attempt_id();
  out.job_id = in.job_id();
  out.task_id = in.task_id();
  out.task_name = in.task_name();
  out.attempt_number = in.attempt_number();
  for (const v1::Step& s : in.steps()) {
    protocol::StepCommand step;
    if (!s.executor().empty()) step.executor = s.executor();
    step.commands.assign(s.commands().begin(), s.commands().end());
    out.steps.push_back(std::move(step));
  }
  if (in.has_timeout_ms()) out.timeout = Millis(in.timeout_ms());
  for (const auto& [k, v] : in.env()) out.env[k] = v;
  out.outputs.assign(in.outputs().begin(), in.outputs().end());
  if (in.max_output_bytes() > 0) out.max_output_bytes = in.max_output_bytes();
  for (const v1::Input& i : in.inputs()) out.inputs.push_back({i.task(), FromProto(i.file()), ""});
  return out;
}

void ToProto(const protocol::StopRequest& in, v1::Stop* out) {
  out->set_attempt_id(in.attempt_id);
  out->set_outcome(ToProto(in.outcome));
  out->set_grace_ms(in.grace.count());
}

protocol::StopRequest FromProto(const v1::Stop& in) {
  protocol::StopRequest out;
  out.attempt_id = in.attempt_id();
  out.outcome = FromProto(in.outcome());
  if (out.outcome == Outcome::kNone) out.outcome = Outcome::kCancelled;
  out.grace = Millis(in.grace_ms());
  return out;
}

void ToProto(const protocol::AttemptStarted& in, v1::Started* out) {
  out->set_attempt_id(in.attempt_id);
  out->set_pgid(in.pgid);
  out->set_started_at_ms(ToMillis(in.started_at));
}

protocol::AttemptStarted FromProto(const v1::Started& in) {
  return {in.attempt_id(), in.pgid(), FromMillis(in.started_at_ms())};
}

void ToProto(const protocol::AttemptFinished& in, v1::Finished* out) {
  out->set_attempt_id(in.attempt_id);
  out->set_outcome(ToProto(in.outcome));
  if (in.exit_code) out->set_exit_code(*in.exit_code);
  if (in.signal) out->set_signal(*in.signal);
  out->set_reason(in.reason);
  out->set_finished_at_ms(ToMillis(in.finished_at));
  for (const protocol::OutputFile& f : in.outputs) ToProto(f, out->add_outputs());
}

protocol::AttemptFinished FromProto(const v1::Finished& in) {
  protocol::AttemptFinished out;
  out.attempt_id = in.attempt_id();
  out.outcome = FromProto(in.outcome());
  if (in.has_exit_code()) out.exit_code = in.exit_code();
  if (in.has_signal()) out.signal = in.signal();
  out.reason = in.reason();
  out.finished_at = FromMillis(in.finished_at_ms());
  for (const v1::OutputFile& f : in.outputs()) out.outputs.push_back(FromProto(f));
  return out;
}

}  // namespace pipegrid::wire
