#include "api/http_message.h"

#include <ctime>

#include <fmt/format.h>

#include "common/status.h"
#include "common/time_format.h"

namespace pipegrid::api {

std::string_view Request::Header(http::field field) const {
  auto it = raw_.find(field);
  if (it == raw_.end()) return {};
  return {it->value().data(), it->value().size()};
}

const std::string& Request::Param(std::string_view name) const {
  auto it = params_.find(name);
  PG_CHECK(it != params_.end());
  return it->second;
}

std::optional<std::string> Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query_) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::vector<std::string> Request::QueryAll(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : query_) {
    if (key == name) values.push_back(value);
  }
  return values;
}

Responder::Responder(Deliver deliver, Poster post) : state_(std::make_shared<State>()) {
  state_->deliver = std::move(deliver);
  state_->post = std::move(post);
}

Responder::State::~State() {
  if (sent.load()) return;
  nlohmann::json body = {{"error",
                          {{"code", "INTERNAL"},
                           {"message", "the request was dropped without an answer"},
                           {"field", nullptr}}}};
  deliver(JsonResponse(http::status::internal_server_error, body));
}

void Responder::Send(Response response) const {
  if (state_->sent.exchange(true)) return;
  state_->deliver(std::move(response));
}

void Responder::Post(std::function<void()> fn) const { state_->post(std::move(fn)); }

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response JsonResponse(http::status status, const nlohmann::json& body) {
  return TextResponse(status, DumpJson(body), "application/json");
}

Response TextResponse(http::status status, std::string body, std::string_view content_type) {
  Response res{status, 11};
  res.set(http::field::content_type,
          boost::beast::string_view(content_type.data(), content_type.size()));
  res.body() = std::move(body);
  return res;
}

Response EmptyResponse(http::status status) { return Response{status, 11}; }

std::string HttpDate(WallTime t) {
  // Fixed English names: strftime's %a and %b follow the locale.
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t ms = ToUnixMillis(t);
  std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} GMT", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace pipegrid::api
