#include "api/errors.h"

#include <gtest/gtest.h>

namespace pipegrid::api {
namespace {

TEST(HttpStatusForTest, MapsEveryCodeAsDesignSays) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), http::status::bad_request);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), http::status::unauthorized);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), http::status::forbidden);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), http::status::not_found);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), http::status::conflict);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), http::status::conflict);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAborted), http::status::conflict);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), http::status::payload_too_large);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), http::status::service_unavailable);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), http::status::internal_server_error);
}

TEST(HttpStatusForTest, ResourceExhaustedIsTooManyRequestsWhenAboutRate) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted, Exhaustion::kTooMany),
            http::status::too_many_requests);
  // The choice only affects ResourceExhausted.
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound, Exhaustion::kTooMany), http::status::not_found);
}

TEST(ErrorJsonTest, HasCodeMessageAndField) {
  nlohmann::json body = ErrorJson(InvalidArgument("bad name", "spec.tasks[2].name"));
  EXPECT_EQ(body, nlohmann::json::parse(R"({"error": {"code": "INVALID_ARGUMENT",
      "message": "bad name", "field": "spec.tasks[2].name"}})"));
}

TEST(ErrorJsonTest, FieldIsNullWhenNoneIsNamed) {
  nlohmann::json body = ErrorJson(NotFound("job x not found"));
  ASSERT_TRUE(body["error"].contains("field"));
  EXPECT_TRUE(body["error"]["field"].is_null());
  EXPECT_EQ(body["error"]["code"], "NOT_FOUND");
}

TEST(ErrorResponseTest, SetsStatusAndJsonContentType) {
  Response res = ErrorResponse(FailedPrecondition("job is running"));
  EXPECT_EQ(res.result(), http::status::conflict);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(nlohmann::json::parse(res.body())["error"]["message"], "job is running");
}

TEST(ErrorResponseTest, ExplicitHttpStatusKeepsTheStatusCodeName) {
  Response res =
      ErrorResponse(http::status::unsupported_media_type, InvalidArgument("unsupported"));
  EXPECT_EQ(res.result(), http::status::unsupported_media_type);
  EXPECT_EQ(nlohmann::json::parse(res.body())["error"]["code"], "INVALID_ARGUMENT");
}

TEST(JsonOrErrorTest, ValueOrError) {
  Response ok =
      JsonOrError(Result<nlohmann::json>(nlohmann::json{{"a", 1}}), http::status::created);
  EXPECT_EQ(ok.result(), http::status::created);
  EXPECT_EQ(nlohmann::json::parse(ok.body()), (nlohmann::json{{"a", 1}}));
  Response err = JsonOrError(Result<nlohmann::json>(Unavailable("store closed")));
  EXPECT_EQ(err.result(), http::status::service_unavailable);
}

}  // namespace
}  // namespace pipegrid::api
