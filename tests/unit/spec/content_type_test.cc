#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec/job_spec.h"
#include "support/test_util.h"

namespace pipegrid::spec {
namespace {

using ::pipegrid::testing::StatusIs;
using ::testing::HasSubstr;

TEST(FormatFromContentTypeTest, JsonTypes) {
  for (std::string_view type : {"application/json", "application/json; charset=utf-8",
                                "Application/JSON", "  application/json  ;charset=UTF-8"}) {
    Result<BodyFormat> f = FormatFromContentType(type);
    ASSERT_TRUE(f.ok()) << type;
    EXPECT_EQ(*f, BodyFormat::kJson) << type;
  }
}

TEST(FormatFromContentTypeTest, YamlTypesAndNone) {
  for (std::string_view type : {"application/yaml", "application/x-yaml", "text/yaml",
                                "text/yaml; charset=utf-8", "", "  "}) {
    Result<BodyFormat> f = FormatFromContentType(type);
    ASSERT_TRUE(f.ok()) << "'" << type << "'";
    EXPECT_EQ(*f, BodyFormat::kYaml) << type;
  }
}

TEST(FormatFromContentTypeTest, OtherTypesAreUnsupported) {
  for (std::string_view type : {"text/plain", "application/xml", "application/jsonx",
                                "multipart/form-data; boundary=x", "json"}) {
    Result<BodyFormat> f = FormatFromContentType(type);
    EXPECT_THAT(f, StatusIs(StatusCode::kInvalidArgument)) << type;
    EXPECT_THAT(f.status().message(), HasSubstr("unsupported content type")) << type;
  }
}

}  // namespace
}  // namespace pipegrid::spec
