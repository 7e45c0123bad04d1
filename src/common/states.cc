#include "common/states.h"

namespace pipegrid {
namespace {

template <typename Enum, size_t N>
std::optional<Enum> ParseByName(std::string_view s, const std::array<Enum, N>& all) {
  for (Enum e : all) {
    if (Name(e) == s) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view Name(Role r) {
  switch (r) {
    case Role::kView: return "view";
    case Role::kSubmit: return "submit";
    case Role::kAdmin: return "admin";
  }
  return "?";
}

std::optional<Role> ParseRole(std::string_view s) { return ParseByName(s, kAllRoles); }

std::string_view Name(JobState s) {
  switch (s) {
    case JobState::kPending: return "PENDING";
    case JobState::kRunning: return "RUNNING";
    case JobState::kSucceeded: return "SUCCEEDED";
    case JobState::kFailed: return "FAILED";
    case JobState::kCancelled: return "CANCELLED";
  }
  return "?";
}

std::string_view Name(TaskState s) {
  switch (s) {
    case TaskState::kPending: return "PENDING";
    case TaskState::kQueued: return "QUEUED";
    case TaskState::kAssigned: return "ASSIGNED";
    case TaskState::kRunning: return "RUNNING";
    case TaskState::kRetrying: return "RETRYING";
    case TaskState::kSucceeded: return "SUCCEEDED";
    case TaskState::kFailed: return "FAILED";
    case TaskState::kCancelled: return "CANCELLED";
    case TaskState::kSkipped: return "SKIPPED";
  }
  return "?";
}

std::string_view Name(WorkerState s) {
  switch (s) {
    case WorkerState::kReady: return "READY";
    case WorkerState::kDraining: return "DRAINING";
    case WorkerState::kLost: return "LOST";
    case WorkerState::kGone: return "GONE";
  }
  return "?";
}

std::string_view Name(Outcome o) {
  switch (o) {
    case Outcome::kNone: return "";
    case Outcome::kSucceeded: return "succeeded";
    case Outcome::kExit: return "exit";
    case Outcome::kSignal: return "signal";
    case Outcome::kTimeout: return "timeout";
    case Outcome::kOom: return "oom";
    case Outcome::kLost: return "lost";
    case Outcome::kInterrupted: return "interrupted";
    case Outcome::kCancelled: return "cancelled";
    case Outcome::kKilled: return "killed";
  }
  return "?";
}

std::optional<JobState> ParseJobState(std::string_view s) { return ParseByName(s, kAllJobStates); }
std::optional<TaskState> ParseTaskState(std::string_view s) {
  return ParseByName(s, kAllTaskStates);
}
std::optional<Outcome> ParseOutcome(std::string_view s) {
  if (s.empty()) return Outcome::kNone;
  return ParseByName(s, kAllOutcomes);
}

}  // namespace pipegrid
