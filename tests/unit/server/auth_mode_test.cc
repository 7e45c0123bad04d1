#include "server/auth_mode.h"

#include <gtest/gtest.h>

namespace pipegrid::server {
namespace {

TEST(AuthModeTest, OpenByDefaultOnlyWhenEveryListenerIsOnLoopback) {
  EXPECT_EQ(*ResolveAuthMode("", {{"--http", "127.0.0.1:8080"}, {"--grpc", "[::1]:7070"}}),
            api::AuthMode::kOpen);
  EXPECT_EQ(*ResolveAuthMode("", {{"--http", "127.0.0.1:8080"}, {"--grpc", "0.0.0.0:7070"}}),
            api::AuthMode::kRequired);
  EXPECT_EQ(*ResolveAuthMode("", {{"--http", ":8080"}}), api::AuthMode::kRequired);
  // No gRPC listener (in-process only) does not count.
  EXPECT_EQ(*ResolveAuthMode("", {{"--http", "localhost:0"}, {"--grpc", ""}}),
            api::AuthMode::kOpen);
}

TEST(AuthModeTest, ExplicitModes) {
  EXPECT_EQ(*ResolveAuthMode("required", {{"--http", "127.0.0.1:0"}}), api::AuthMode::kRequired);
  Result<api::AuthMode> open = ResolveAuthMode("open", {{"--http", "10.0.0.5:8080"}});
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("--http 10.0.0.5:8080"), std::string::npos);
  EXPECT_FALSE(ResolveAuthMode("maybe", {{"--http", "127.0.0.1:0"}}).ok());
}

}  // namespace
}  // namespace pipegrid::server
