#include "tls/loopback.h"

#include <gtest/gtest.h>

namespace pipegrid::tls {
namespace {

TEST(IsLoopbackListenTest, LoopbackHostsWithOrWithoutPort) {
  for (const char* address :
       {"127.0.0.1:7001", "127.0.0.1", "127.255.0.9:1", "[::1]:0", "[::1]", "::1", "localhost:7001",
        "LocalHost:7001", "localhost", "[::ffff:127.0.0.1]:7001"}) {
    EXPECT_TRUE(IsLoopbackListen(address)) << address;
  }
}

TEST(IsLoopbackListenTest, EverythingElseNeedsTls) {
  for (const char* address :
       {":7001", "", "0.0.0.0:7001", "[::]:7001", "10.0.0.1:7001", "128.0.0.1:7001", "[::2]:7001",
        "master.example:7001", "localhost.example:7001", "[::1:7001", "[::1]x", "126.0.0.1",
        "[::ffff:10.0.0.1]:1", "localhost:7001:1"}) {
    EXPECT_FALSE(IsLoopbackListen(address)) << address;
  }
}

}  // namespace
}  // namespace pipegrid::tls
