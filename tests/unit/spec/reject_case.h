// A parameterised rejection: a valid spec, one mutation, and the field path
// and message the parser must answer with (InvalidArgument).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "spec/job_spec.h"
#include "support/test_util.h"

namespace pipegrid::spec::testing {

struct RejectCase {
  std::string name;
  std::function<void(nlohmann::json&)> mutate;  // applied to the suite's valid spec
  std::string field;
  std::string message;  // a substring of the error message
};

inline void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.name; }

// Mutates `valid` as the case says and expects the parser's refusal.
inline void ExpectRejected(nlohmann::json valid, const RejectCase& c) {
  c.mutate(valid);
  Result<JobSpec> r = ParseJobSpec(valid.dump(), BodyFormat::kJson);
  ASSERT_THAT(r, ::pipegrid::testing::StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(r.status().field(), c.field);
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr(c.message));
}

inline std::string CaseName(const ::testing::TestParamInfo<RejectCase>& info) {
  return info.param.name;
}

}  // namespace pipegrid::spec::testing
