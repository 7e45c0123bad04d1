#include "cli/exit_codes.h"

#include <nlohmann/json.hpp>

namespace pipegrid::cli {

int ExitCodeForHttpStatus(int status) {
  if (status >= 200 && status < 300) return kExitOk;
  if (status >= 400 && status < 500) return kExitRejected;
  return kExitUnavailable;
}

int ExitCodeForJobState(JobState state) {
  switch (state) {
    case JobState::kSucceeded:
      return kExitOk;
    case JobState::kFailed:
      return kExitJobFailed;
    case JobState::kCancelled:
      return kExitJobCancelled;
    case JobState::kPending:
    case JobState::kRunning:
      return kExitUnavailable;
  }
  return kExitUnavailable;
}

int ExitCodeForStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
      return kExitUsage;
    default:
      return kExitUnavailable;
  }
}

std::string FormatApiError(const HttpResponse& response) {
  const nlohmann::json body =
      nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    auto error = body.find("error");
    if (error != body.end() && error->is_object()) {
      auto text = [&](const char* key) -> std::string {
        auto it = error->find(key);
        return it != error->end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      std::string code = text("code");
      std::string line =
          "error: " + (code.empty() ? "HTTP " + std::to_string(response.status) : code);
      line += ": " + text("message");
      if (std::string field = text("field"); !field.empty()) line += " (at " + field + ")";
      return line;
    }
  }
  std::string first_line = response.body.substr(0, response.body.find('\n'));
  if (!first_line.empty() && first_line.back() == '\r') first_line.pop_back();
  std::string line = "error: HTTP " + std::to_string(response.status);
  if (!first_line.empty()) line += ": " + first_line;
  return line;
}

}  // namespace pipegrid::cli
