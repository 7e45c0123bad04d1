// Status -> HTTP: the status code and the JSON error body of DESIGN §5,
// {"error": {"code": "INVALID_ARGUMENT", "message": "...", "field": "..."|null}}.
//
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "api/http_message.h"
#include "common/status.h"

namespace pipegrid::api {

// ResourceExhausted covers both "too large" and "too many": the caller says
// which one it means, since only it knows what was exhausted.
enum class Exhaustion {
  kTooLarge,  // 413 Payload Too Large
  kTooMany,   // 429 Too Many Requests (rate limits, quotas)
};

// InvalidArgument 400, Unauthenticated 401, PermissionDenied 403, NotFound 404,
// AlreadyExists/FailedPrecondition/Aborted 409, ResourceExhausted 413 or 429,
// Unavailable 503, Internal (and anything else) 500. OK maps to 200.
http::status HttpStatusFor(StatusCode code, Exhaustion exhaustion = Exhaustion::kTooLarge);

// The error body; "field" is null when the status names no field.
nlohmann::json ErrorJson(const Status& status);

// A JSON error response with the mapped HTTP status. Requires !status.ok().
Response ErrorResponse(const Status& status, Exhaustion exhaustion = Exhaustion::kTooLarge);

// A JSON error response whose HTTP status is not derived from the code: 405,
// 415 and 431 have no Status code of their own.
Response ErrorResponse(http::status http_status, const Status& status);

// JSON text already written (JobJsonText) with `ok_status`, or the error
// response.
Response JsonTextOrError(const Result<std::string>& text,
                         http::status ok_status = http::status::ok);

// The value as JSON with `ok_status`, or the error response.
Response JsonOrError(const Result<nlohmann::json>& result,
                     http::status ok_status = http::status::ok);

}  // namespace pipegrid::api
