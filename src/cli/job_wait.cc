#include "cli/job_wait.h"

#include <algorithm>
#include <utility>

#include "cli/exit_codes.h"

namespace pipegrid::cli {
namespace {

constexpr Millis kFirstPollDelay{100};
constexpr Millis kMaxPollDelay{1000};
// Consecutive failed polls (about ten seconds' worth) before giving up.
constexpr int kMaxPollFailures = 10;

}  // namespace

std::variant<Json, CallFailed> PostJob(const Session& s, std::string_view ns, std::string_view body,
                                       std::string_view content_type) {
  const std::string target = "/api/v1/jobs" + Query().Add("namespace", ns).str();
  auto response = s.Call("POST", target, body, content_type);
  if (auto* failed = std::get_if<CallFailed>(&response)) return *failed;
  auto parsed = ParseBody(s, std::get<HttpResponse>(response), target);
  if (auto* failed = std::get_if<CallFailed>(&parsed)) return *failed;
  if (FieldText(std::get<Json>(parsed), "id").empty()) {
    return CallFailed{s.BadAnswer(target, "the job has no id")};
  }
  return parsed;
}

JobPoller::JobPoller(const Session& session, std::string_view job_id, Hooks hooks)
    : s_(session), target_(JobPath(job_id)), hooks_(std::move(hooks)), delay_(kFirstPollDelay) {}

std::variant<Json, CallFailed> JobPoller::Next(bool sleep_first) {
  int failures = 0;
  while (true) {
    if (sleep_first) {
      if (hooks_.before_sleep) hooks_.before_sleep();
      s_.env().sleep(delay_);
      delay_ = std::min(delay_ * 2, kMaxPollDelay);
    }
    sleep_first = true;
    Result<HttpResponse> response = s_.http().Get(target_);
    int code = response.ok() ? ExitCodeForHttpStatus(response->status) : kExitUnavailable;
    if (code == kExitUnavailable && ++failures < kMaxPollFailures) continue;
    if (code != kExitOk && hooks_.before_report) hooks_.before_report();
    if (!response.ok()) return CallFailed{ReportStatus(s_.env(), response.status())};
    if (code != kExitOk) {
      s_.err() << FormatApiError(*response) << "\n";
      return CallFailed{code};
    }
    return ParseBody(s_, *response, target_);
  }
}

void JobPoller::ResetBackoff() { delay_ = kFirstPollDelay; }

}  // namespace pipegrid::cli
