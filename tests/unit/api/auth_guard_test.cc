#include "api/auth_guard.h"

#include <gtest/gtest.h>

namespace pipegrid::api {
namespace {

TEST(AccessForTest, EachKindOfRouteNeedsWhatDesignSixSays) {
  EXPECT_EQ(AccessFor(http::verb::get, "/healthz"), Access::kPublic);
  EXPECT_EQ(AccessFor(http::verb::get, "/readyz"), Access::kPublic);
  EXPECT_EQ(AccessFor(http::verb::get, "/"), Access::kPublic);
  EXPECT_EQ(AccessFor(http::verb::get, "/assets/{file}"), Access::kPublic);
  EXPECT_EQ(AccessFor(http::verb::get, "/metrics"), Access::kViewEveryNamespace);
  EXPECT_EQ(AccessFor(http::verb::get, "/api/v1/events"), Access::kViewEveryNamespace);
  EXPECT_EQ(AccessFor(http::verb::get, "/api/v1/jobs/{id}/events"), Access::kView);
  EXPECT_EQ(AccessFor(http::verb::get, "/api/v1/jobs"), Access::kView);
  EXPECT_EQ(AccessFor(http::verb::post, "/api/v1/jobs"), Access::kSubmit);
  EXPECT_EQ(AccessFor(http::verb::delete_, "/api/v1/jobs/{id}"), Access::kSubmit);
  EXPECT_EQ(AccessFor(http::verb::post, "/api/v1/deadletters/{taskId}/requeue"), Access::kSubmit);
  EXPECT_EQ(AccessFor(http::verb::get, "/api/v1/workers"), Access::kAdmin);
  EXPECT_EQ(AccessFor(http::verb::post, "/api/v1/workers/{name}/drain"), Access::kAdmin);
  EXPECT_EQ(AccessFor(http::verb::get, "/api/v1/tokens"), Access::kAdmin);
  EXPECT_EQ(AccessFor(http::verb::delete_, "/api/v1/tokens/{id}"), Access::kAdmin);
}

TEST(AccessForTest, WhatTheTableDoesNotKnowIsAdminOnly) {
  EXPECT_EQ(AccessFor(http::verb::get, "/debug/pprof"), Access::kAdmin);
  EXPECT_EQ(AccessFor(http::verb::put, "/api/v1/jobs/{id}"), Access::kAdmin);
  EXPECT_EQ(AccessFor(http::verb::get, "/healthz/extra"), Access::kAdmin);
}

}  // namespace
}  // namespace pipegrid::api
