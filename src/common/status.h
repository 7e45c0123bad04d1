// Status and Result<T>: errors as values across module boundaries.
//
// The codes are a small closed set chosen by what the caller should do next
// (see shared/STYLE.md). Never add a code per subsystem: every failure must map
// to an HTTP status, a retry or a dead letter, and that stays visible only while
// the set is small.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace pipegrid {

enum class StatusCode {
  kOk,
  kInvalidArgument,    // bad input: do not retry
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition, // fix the state first (e.g. cancel a finished job)
  kAborted,            // retry the whole transaction
  kUnavailable,        // retry this call
  kResourceExhausted,  // too large or too many
  kUnauthenticated,
  kPermissionDenied,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);  // "INVALID_ARGUMENT", ...

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The spec field the error is about ("spec.tasks[2].name"), or empty.
  const std::string& field() const { return field_; }
  std::string ToString() const;

  // Marks a status as deliberately ignored.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

inline Status InvalidArgument(std::string m, std::string field = {}) {
  return {StatusCode::kInvalidArgument, std::move(m), std::move(field)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status Unauthenticated(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}
inline Status PermissionDenied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

[[noreturn]] void CheckFailed(const char* file, int line, const char* expr,
                              const std::string& detail);

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) CheckFailed(__FILE__, __LINE__, "!ok", "Result from OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return Get(); }
  const T& value() const& { return const_cast<Result*>(this)->Get(); }
  T&& value() && { return std::move(Get()); }
  T& operator*() & { return Get(); }
  const T& operator*() const& { return const_cast<Result*>(this)->Get(); }
  T* operator->() { return &Get(); }
  const T* operator->() const { return &const_cast<Result*>(this)->Get(); }

 private:
  T& Get() {
    if (!ok()) CheckFailed(__FILE__, __LINE__, "ok()", std::get<Status>(v_).ToString());
    return std::get<T>(v_);
  }
  std::variant<Status, T> v_;
};

}  // namespace pipegrid

#define PG_CONCAT_INNER(a, b) a##b
#define PG_CONCAT(a, b) PG_CONCAT_INNER(a, b)

#define PG_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::pipegrid::Status pg_status_ = (expr);      \
    if (!pg_status_.ok()) return pg_status_;     \
  } while (0)

#define PG_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

#define PG_ASSIGN_OR_RETURN(lhs, expr) \
  PG_ASSIGN_OR_RETURN_IMPL(PG_CONCAT(pg_result_, __LINE__), lhs, expr)

// A broken invariant is a bug: abort (state is durable, restart is cheap).
#define PG_CHECK(cond)                                                     \
  do {                                                                     \
    if (!(cond)) ::pipegrid::CheckFailed(__FILE__, __LINE__, #cond, ""); \
  } while (0)

#define PG_CHECK_OK(expr)                                                     \
  do {                                                                        \
    ::pipegrid::Status pg_s_ = (expr);                                        \
    if (!pg_s_.ok()) ::pipegrid::CheckFailed(__FILE__, __LINE__, #expr, pg_s_.ToString()); \
  } while (0)

#ifdef NDEBUG
#define PG_DCHECK(cond) \
  do {                  \
  } while (0)
#else
#define PG_DCHECK(cond) PG_CHECK(cond)
#endif
