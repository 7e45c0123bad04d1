// What `submit` and `run` share: posting a job, and re-reading it while
// waiting for it (DESIGN §7). Internal to src/cli; not thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "cli/command_support.h"

namespace pipegrid::cli {

// POSTs a job spec to /api/v1/jobs in namespace `ns`. Returns the created
// job, whose "id" is not empty, or the exit code after reporting why not.
std::variant<Json, CallFailed> PostJob(const Session& s, std::string_view ns, std::string_view body,
                                       std::string_view content_type);

// Re-reads one job with backoff: quick first polls, so a short job or a short
// queue wait shows promptly, backing off to one request a second. Transport
// errors and 5xx are retried, riding out a restarting master (DESIGN §4:
// state is durable); one that persists, and any 4xx, is reported and its exit
// code returned. Lives as long as one wait.
class JobPoller {
 public:
  // Optional observers of a wait, for a caller that draws on the terminal.
  struct Hooks {
    std::function<void()> before_sleep;   // before every sleep, retries included
    std::function<void()> before_report;  // before a transport error or non-2xx is told
  };

  JobPoller(const Session& session, std::string_view job_id, Hooks hooks = {});

  // Sleeps first unless `sleep_first` is false, then GETs the job.
  std::variant<Json, CallFailed> Next(bool sleep_first = true);

  // The next wait starts short again (a new phase of waiting).
  void ResetBackoff();

 private:
  const Session& s_;
  const std::string target_;
  const Hooks hooks_;
  Millis delay_;
};

}  // namespace pipegrid::cli
