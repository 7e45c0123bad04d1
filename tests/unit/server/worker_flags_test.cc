#include "server/worker_flags.h"

#include <gtest/gtest.h>

#include "support/test_util.h"

namespace pipegrid::server {
namespace {

using ::pipegrid::testing::StatusIs;

TEST(ParseLabelsTest, ReadsPairs) {
  auto labels = ParseLabels("disk=ssd,gpu=a100");
  ASSERT_TRUE(labels.ok()) << labels.status().ToString();
  EXPECT_EQ(labels->size(), 2u);
  EXPECT_EQ(labels->at("disk"), "ssd");
  EXPECT_EQ(labels->at("gpu"), "a100");
  EXPECT_TRUE(ParseLabels("")->empty());
}

TEST(ParseLabelsTest, RefusesMalformedDuplicateAndReservedKeys) {
  for (const char* bad : {"disk", "=ssd", "disk=", "a=b=c", "disk=ssd,disk=hdd", "disk=ssd,",
                          "pipegrid.io/worker=w2"}) {
    EXPECT_THAT(ParseLabels(bad).status(), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

}  // namespace
}  // namespace pipegrid::server
