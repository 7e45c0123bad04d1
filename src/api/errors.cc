#include "api/errors.h"

namespace pipegrid::api {

http::status HttpStatusFor(StatusCode code, Exhaustion exhaustion) {
  switch (code) {
    case StatusCode::kOk: return http::status::ok;
    case StatusCode::kInvalidArgument: return http::status::bad_request;
    case StatusCode::kUnauthenticated: return http::status::unauthorized;
    case StatusCode::kPermissionDenied: return http::status::forbidden;
    case StatusCode::kNotFound: return http::status::not_found;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAborted: return http::status::conflict;
    case StatusCode::kResourceExhausted:
      return exhaustion == Exhaustion::kTooMany ? http::status::too_many_requests
                                                : http::status::payload_too_large;
    case StatusCode::kUnavailable: return http::status::service_unavailable;
    case StatusCode::kInternal: return http::status::internal_server_error;
  }
  return http::status::internal_server_error;
}

nlohmann::json ErrorJson(const Status& status) {
  nlohmann::json field = nullptr;
  if (!status.field().empty()) field = status.field();
  return {{"error",
           {{"code", std::string(StatusCodeName(status.code()))},
            {"message", status.message()},
            {"field", std::move(field)}}}};
}

Response ErrorResponse(const Status& status, Exhaustion exhaustion) {
  PG_CHECK(!status.ok());
  return JsonResponse(HttpStatusFor(status.code(), exhaustion), ErrorJson(status));
}

Response ErrorResponse(http::status http_status, const Status& status) {
  PG_CHECK(!status.ok());
  return JsonResponse(http_status, ErrorJson(status));
}

Response JsonTextOrError(const Result<std::string>& text, http::status ok_status) {
  if (!text.ok()) return ErrorResponse(text.status());
  return TextResponse(ok_status, *text, "application/json");
}

Response JsonOrError(const Result<nlohmann::json>& result, http::status ok_status) {
  if (!result.ok()) return ErrorResponse(result.status());
  return JsonResponse(ok_status, *result);
}

}  // namespace pipegrid::api
