#include "cli/exit_codes.h"

#include <gtest/gtest.h>

namespace pipegrid::cli {
namespace {

TEST(ExitCodesTest, HttpStatus) {
  EXPECT_EQ(ExitCodeForHttpStatus(200), 0);
  EXPECT_EQ(ExitCodeForHttpStatus(201), 0);
  EXPECT_EQ(ExitCodeForHttpStatus(204), 0);
  for (int status : {400, 401, 403, 404, 405, 409, 413, 415, 429}) {
    EXPECT_EQ(ExitCodeForHttpStatus(status), 3) << status;
  }
  EXPECT_EQ(ExitCodeForHttpStatus(500), 4);
  EXPECT_EQ(ExitCodeForHttpStatus(503), 4);
  EXPECT_EQ(ExitCodeForHttpStatus(302), 4);
}

TEST(ExitCodesTest, JobState) {
  EXPECT_EQ(ExitCodeForJobState(JobState::kSucceeded), 0);
  EXPECT_EQ(ExitCodeForJobState(JobState::kFailed), 1);
  EXPECT_EQ(ExitCodeForJobState(JobState::kCancelled), 2);
  // Never success for a job that has not finished.
  EXPECT_NE(ExitCodeForJobState(JobState::kRunning), 0);
  EXPECT_NE(ExitCodeForJobState(JobState::kPending), 0);
}

TEST(ExitCodesTest, ClientSideStatus) {
  EXPECT_EQ(ExitCodeForStatus(Unavailable("cannot reach")), 4);
  EXPECT_EQ(ExitCodeForStatus(InvalidArgument("https is not supported yet")), 64);
  EXPECT_EQ(ExitCodeForStatus(Status::Ok()), 0);
}

TEST(FormatApiErrorTest, UsesTheErrorObjectWithItsField) {
  HttpResponse response{400, "application/json",
                        R"({"error":{"code":"INVALID_ARGUMENT","message":"unknown field \"x\"",)"
                        R"("field":"spec.tasks[0].x"}})"};
  EXPECT_EQ(FormatApiError(response),
            R"(error: INVALID_ARGUMENT: unknown field "x" (at spec.tasks[0].x))");
}

TEST(FormatApiErrorTest, WithoutField) {
  HttpResponse response{409, "application/json",
                        R"({"error":{"code":"FAILED_PRECONDITION","message":"job is finished"}})"};
  EXPECT_EQ(FormatApiError(response), "error: FAILED_PRECONDITION: job is finished");
}

TEST(FormatApiErrorTest, FallsBackToStatusAndFirstLine) {
  EXPECT_EQ(FormatApiError({502, "text/html", "Bad Gateway\r\n<html>"}),
            "error: HTTP 502: Bad Gateway");
  EXPECT_EQ(FormatApiError({500, "", ""}), "error: HTTP 500");
  EXPECT_EQ(FormatApiError({404, "application/json", R"({"error":"nope"})"}),
            R"(error: HTTP 404: {"error":"nope"})");
}

}  // namespace
}  // namespace pipegrid::cli
