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

std::string_view Request::Header(std::string_view name) const {
  auto it = raw_.find(boost::beast::string_view(name.data(), name.size()));
  if (it == raw_.end()) return {};
  return {it->value().data(), it->value().size()};
}

bool Request::Accepts(std::string_view media_type) const {
  return Header(http::field::accept).find(media_type) != std::string_view::npos;
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

Result<bool> Request::QueryFlag(std::string_view name) const {
  std::optional<std::string> text = Query(name);
  if (!text || *text == "false" || *text == "0") return false;
  if (*text == "true" || *text == "1") return true;
  return InvalidArgument(std::string(name) + " must be true or false, got \"" + *text + "\"",
                         std::string(name));
}

Responder::Responder(Deliver deliver, Poster post, Streamer stream)
    : state_(std::make_shared<State>()) {
  state_->deliver = std::move(deliver);
  state_->post = std::move(post);
  state_->stream = std::move(stream);
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

void Responder::Stream(Response head, std::unique_ptr<logs::Stream> body,
                       StreamOptions options) const {
  if (!state_->stream) {
    return Send(JsonResponse(http::status::internal_server_error,
                             {{"error",
                               {{"code", "INTERNAL"},
                                {"message", "this server cannot stream responses"},
                                {"field", nullptr}}}}));
  }
  if (state_->sent.exchange(true)) return;
  state_->stream(std::move(head), std::move(body), std::move(options));
}

void Responder::Post(std::function<void()> fn) const { state_->post(std::move(fn)); }

Responder Responder::Observed(std::function<void()> on_answer) const {
  // Answers go through this responder, so "first answer wins" and the 500
  // for a dropped request still hold; the observer sees the one that wins.
  auto inner = *this;
  auto observe = std::make_shared<std::function<void()>>(std::move(on_answer));
  Deliver deliver = [inner, observe](Response response) {
    (*observe)();
    inner.Send(std::move(response));
  };
  Poster post = [inner](std::function<void()> fn) { inner.Post(std::move(fn)); };
  Streamer stream = [inner, observe](Response head, std::unique_ptr<logs::Stream> body,
                                     StreamOptions options) {
    (*observe)();
    inner.Stream(std::move(head), std::move(body), std::move(options));
  };
  return Responder(std::move(deliver), std::move(post), std::move(stream));
}

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
