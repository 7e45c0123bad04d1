// The CLI's exit codes (DESIGN §7) and how server answers map onto them.
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "cli/http_client.h"
#include "common/states.h"
#include "common/status.h"

namespace pipegrid::cli {

inline constexpr int kExitOk = 0;  // request done / job succeeded
inline constexpr int kExitJobFailed = 1;
inline constexpr int kExitJobCancelled = 2;
inline constexpr int kExitRejected = 3;     // any 4xx
inline constexpr int kExitUnavailable = 4;  // unreachable, or 5xx
inline constexpr int kExitUsage = 64;       // bad flags, unreadable input

// 2xx -> 0, 4xx -> 3, anything else (5xx, and statuses a client cannot act on) -> 4.
int ExitCodeForHttpStatus(int status);

// SUCCEEDED -> 0, FAILED -> 1, CANCELLED -> 2. An unfinished job has no exit
// code of its own: callers wait until IsFinished(state); PENDING and RUNNING
// map to 4 so that a caller's bug can never report success.
int ExitCodeForJobState(JobState state);

// For errors raised on the client side before or instead of an HTTP answer:
// Unavailable (server unreachable) -> 4; InvalidArgument, NotFound (bad flag
// values, unreadable input) -> 64; anything else -> 4.
int ExitCodeForStatus(const Status& status);

// One line describing a non-2xx answer, from the body's DESIGN §5 error
// object when it has one: `error: INVALID_ARGUMENT: unknown field "x" (at
// spec.tasks[0].x)`; otherwise `error: HTTP 502: <first line of the body>`.
std::string FormatApiError(const HttpResponse& response);

}  // namespace pipegrid::cli
