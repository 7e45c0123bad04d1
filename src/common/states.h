// The state and outcome names of DESIGN §3. Their spellings are part of the
// public contract (REST payloads, store rows, metrics labels).
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace pipegrid {

enum class JobState { kPending, kRunning, kSucceeded, kFailed, kCancelled };
enum class TaskState {
  kPending,   // waiting for dependencies
  kQueued,    // ready, waiting for a slot
  kAssigned,  // sent to a worker, not yet started
  kRunning,
  kRetrying,  // between attempts, until the backoff ends
  kSucceeded,
  kFailed,    // retries used up; in the dead-letter list
  kCancelled,
  kSkipped,   // an upstream task failed or was cancelled
};
enum class WorkerState { kReady, kDraining, kLost, kGone };
enum class Outcome {
  kNone,  // attempt not finished yet
  kSucceeded,
  kExit,
  kSignal,
  kTimeout,
  kOom,
  kLost,
  kInterrupted,
  kCancelled,
  kKilled,
};

inline constexpr std::array kAllJobStates = {JobState::kPending, JobState::kRunning,
                                             JobState::kSucceeded, JobState::kFailed,
                                             JobState::kCancelled};
inline constexpr std::array kAllTaskStates = {
    TaskState::kPending,   TaskState::kQueued, TaskState::kAssigned,
    TaskState::kRunning,   TaskState::kRetrying, TaskState::kSucceeded,
    TaskState::kFailed,    TaskState::kCancelled, TaskState::kSkipped};
inline constexpr std::array kAllOutcomes = {
    Outcome::kSucceeded, Outcome::kExit,        Outcome::kSignal,
    Outcome::kTimeout,   Outcome::kOom,         Outcome::kLost,
    Outcome::kInterrupted, Outcome::kCancelled, Outcome::kKilled};

// An API token's role (DESIGN §6): each includes the ones before it.
enum class Role { kView, kSubmit, kAdmin };
inline constexpr std::array kAllRoles = {Role::kView, Role::kSubmit, Role::kAdmin};

std::string_view Name(Role r);         // "view", "submit", "admin"
std::optional<Role> ParseRole(std::string_view s);

std::string_view Name(JobState s);     // "RUNNING"
std::string_view Name(TaskState s);    // "QUEUED"
std::string_view Name(WorkerState s);  // "READY"
std::string_view Name(Outcome o);      // "exit"; kNone is ""

std::optional<JobState> ParseJobState(std::string_view s);
std::optional<TaskState> ParseTaskState(std::string_view s);
std::optional<Outcome> ParseOutcome(std::string_view s);

inline bool IsFinished(JobState s) {
  return s == JobState::kSucceeded || s == JobState::kFailed || s == JobState::kCancelled;
}
inline bool IsFinished(TaskState s) {
  return s == TaskState::kSucceeded || s == TaskState::kFailed ||
         s == TaskState::kCancelled || s == TaskState::kSkipped;
}

}  // namespace pipegrid
