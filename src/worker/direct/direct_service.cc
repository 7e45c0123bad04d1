#include "worker/direct/direct_service.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "common/time_format.h"
#include "worker/direct/grpc_status.h"
#include "worker/direct/output_stream.h"

namespace pipegrid::worker::direct {
namespace {

static_assert(static_cast<int>(Outcome::kNone) == v1::OUTCOME_UNSPECIFIED);
static_assert(static_cast<int>(Outcome::kExit) == v1::OUTCOME_EXIT);
static_assert(static_cast<int>(Outcome::kKilled) == v1::OUTCOME_KILLED);

// The verified client certificate's common name. The listener requires one
// (tls/grpc_credentials.h), so "-" only shows up if that ever changed.
std::string Caller(const grpc::CallbackServerContext* context) {
  std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
  if (auth) {
    std::vector<grpc::string_ref> names = auth->FindPropertyValues("x509_common_name");
    if (!names.empty()) return std::string(names.front().data(), names.front().size());
  }
  return "-";
}

// A command for a log line: one line, bounded, control bytes escaped.
std::string ForLog(const std::string& text) {
  constexpr size_t kMax = 200;
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMax) out += "...";
  return out + "\"";
}

v1::CommandStatus::State ToProto(CommandState s) {
  switch (s) {
    case CommandState::kRunning:
      return v1::CommandStatus::STATE_RUNNING;
    case CommandState::kStopping:
      return v1::CommandStatus::STATE_STOPPING;
    case CommandState::kFinished:
      return v1::CommandStatus::STATE_FINISHED;
  }
  return v1::CommandStatus::STATE_UNSPECIFIED;
}

std::string CodeName(const Status& s) {
  return s.ok() ? "OK" : std::string(StatusCodeName(s.code()));
}

}  // namespace

void ToProto(const CommandInfo& info, v1::CommandStatus* out) {
  out->set_command_id(info.id);
  out->set_state(ToProto(info.state));
  out->set_outcome(static_cast<v1::Outcome>(static_cast<int>(info.outcome)));
  if (info.exit_code) out->set_exit_code(*info.exit_code);
  if (info.signal) out->set_signal(*info.signal);
  out->set_started_at_ms(ToUnixMillis(info.started_at));
  if (info.state == CommandState::kFinished)
    out->set_finished_at_ms(ToUnixMillis(info.finished_at));
  out->set_output_bytes(info.output_bytes);
  out->set_reason(info.reason);
}

grpc::ServerUnaryReactor* DirectService::StartCommand(grpc::CallbackServerContext* context,
                                                      const v1::StartCommandRequest* request,
                                                      v1::StartCommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CommandRequest r;
  r.command = request->command();
  r.env = {request->env().begin(), request->env().end()};
  r.work_dir = request->work_dir();
  if (request->has_timeout_ms()) r.timeout = Millis(request->timeout_ms());
  r.request_id = request->request_id();
  r.caller = Caller(context);
  std::string log_command = ForLog(r.command);
  table_.Start(std::move(r), [reactor, response, caller = Caller(context),
                              log_command = std::move(log_command),
                              request_id = request->request_id()](Result<CommandInfo> info) {
    spdlog::info(
        "direct call caller={} method=StartCommand command_id={} command={} "
        "request_id={} status={}",
        caller, info.ok() ? info->id : "-", log_command, request_id, CodeName(info.status()));
    if (!info.ok()) return reactor->Finish(ToGrpcStatus(info.status()));
    response->set_command_id(info->id);
    response->set_pgid(info->pgid);
    response->set_started_at_ms(ToUnixMillis(info->started_at));
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* DirectService::StopCommand(grpc::CallbackServerContext* context,
                                                     const v1::StopCommandRequest* request,
                                                     v1::CommandStatus* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::string caller = Caller(context);
  table_.Stop(request->command_id(), Millis(request->grace_ms()), caller,
              [reactor, response, caller, id = request->command_id(),
               grace = request->grace_ms()](Result<CommandInfo> info) {
                spdlog::info(
                    "direct call caller={} method=StopCommand command_id={} grace_ms={} status={}",
                    caller, id, grace, CodeName(info.status()));
                if (!info.ok()) return reactor->Finish(ToGrpcStatus(info.status()));
                ToProto(*info, response);
                reactor->Finish(grpc::Status::OK);
              });
  return reactor;
}

grpc::ServerUnaryReactor* DirectService::GetStatus(grpc::CallbackServerContext* context,
                                                   const v1::GetStatusRequest* request,
                                                   v1::CommandStatus* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  table_.Get(request->command_id(), [reactor, response, caller = Caller(context),
                                     id = request->command_id()](Result<CommandInfo> info) {
    spdlog::info("direct call caller={} method=GetStatus command_id={} status={}", caller, id,
                 CodeName(info.status()));
    if (!info.ok()) return reactor->Finish(ToGrpcStatus(info.status()));
    ToProto(*info, response);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerWriteReactor<v1::OutputChunk>* DirectService::StreamOutput(
    grpc::CallbackServerContext* context, const v1::StreamOutputRequest* request) {
  spdlog::info("direct call caller={} method=StreamOutput command_id={} offset={} follow={}",
               Caller(context), request->command_id(), request->offset(), request->follow());
  return OutputStream::Begin(table_, *request);
}

}  // namespace pipegrid::worker::direct
