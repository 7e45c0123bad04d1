#include "cli/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

namespace pipegrid::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The line starting with `prefix`, or "" when none does.
std::string LineStarting(const std::string& text, const std::string& prefix) {
  for (const std::string& line : Lines(text)) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return {};
}

const Json kJob = Json::parse(R"({
  "id": "01JOB", "name": "ocr-batch", "namespace": "default", "externalId": "order-4711",
  "labels": {"team": "data"}, "priority": 5, "state": "FAILED", "reason": "task ocr failed",
  "createdAt": "2026-11-23T14:05:00.123Z", "startedAt": "2026-11-23T14:05:01.000Z",
  "finishedAt": "2026-11-23T14:06:00.000Z",
  "counters": {"PENDING": 0, "QUEUED": 0, "ASSIGNED": 0, "RUNNING": 0, "RETRYING": 0,
               "SUCCEEDED": 1, "FAILED": 1, "CANCELLED": 0, "SKIPPED": 1},
  "tasks": [
    {"id": "t1", "name": "fetch", "state": "SUCCEEDED", "reason": null, "dependsOn": [],
     "worker": "w1", "attempts": [
       {"id": "a1", "number": 1, "worker": "w1", "outcome": "succeeded", "exitCode": 0,
        "signal": null, "startedAt": "2026-11-23T14:05:01.000Z",
        "finishedAt": "2026-11-23T14:05:03.500Z"}]},
    {"id": "t2", "name": "ocr", "state": "FAILED", "reason": "exit code 3",
     "dependsOn": ["fetch"], "worker": "w2", "attempts": [
       {"id": "a2", "number": 1, "worker": "w2", "outcome": "signal", "exitCode": null,
        "signal": 9, "startedAt": "2026-11-23T14:05:04.000Z",
        "finishedAt": "2026-11-23T14:05:05.000Z"},
       {"id": "a3", "number": 2, "worker": "w2", "outcome": "exit", "exitCode": 3,
        "signal": null, "startedAt": "2026-11-23T14:05:06.000Z",
        "finishedAt": "2026-11-23T14:06:00.000Z"}]},
    {"id": "t3", "name": "publish", "state": "SKIPPED", "reason": "upstream failed",
     "dependsOn": ["ocr"], "worker": null, "attempts": []}
  ]})");

TEST(RenderJobTest, HeaderLines) {
  std::string text = RenderJob(kJob);
  EXPECT_EQ(LineStarting(text, "Job:"), "Job:         ocr-batch");
  EXPECT_EQ(LineStarting(text, "ID:"), "ID:          01JOB");
  EXPECT_EQ(LineStarting(text, "External ID:"), "External ID: order-4711");
  EXPECT_EQ(LineStarting(text, "Labels:"), "Labels:      team=data");
  EXPECT_EQ(LineStarting(text, "State:"), "State:       FAILED (task ocr failed)");
  EXPECT_EQ(LineStarting(text, "Tasks:"), "Tasks:       3/3 done  0 running  1 failed");
}

TEST(RenderJobTest, TaskTable) {
  std::string text = RenderJob(kJob);
  EXPECT_EQ(LineStarting(text, "TASK     STATE"),
            "TASK     STATE      ATTEMPTS  WORKER  DEPENDS ON  REASON");
  EXPECT_EQ(LineStarting(text, "fetch    SUCCEEDED"),
            "fetch    SUCCEEDED  1         w1      -           -");
  EXPECT_EQ(LineStarting(text, "ocr      FAILED"),
            "ocr      FAILED     2         w2      fetch       exit code 3");
  EXPECT_EQ(LineStarting(text, "publish  SKIPPED"),
            "publish  SKIPPED    0         -       ocr         upstream failed");
}

TEST(RenderJobTest, AttemptTableWithOutcomeExitAndDuration) {
  std::string text = RenderJob(kJob);
  std::vector<std::string> lines = Lines(text);
  auto header = std::find_if(lines.begin(), lines.end(), [](const std::string& line) {
    return line.rfind("TASK   ATTEMPT", 0) == 0;
  });
  ASSERT_NE(header, lines.end()) << text;
  EXPECT_EQ(*header,
            "TASK   ATTEMPT  WORKER  OUTCOME    EXIT   STARTED                   "
            "FINISHED                  DURATION");
  std::vector<std::string> attempts(header + 1, lines.end());
  ASSERT_EQ(attempts.size(), 3u) << text;
  EXPECT_THAT(attempts[0], HasSubstr("1        w1      succeeded  0"));
  EXPECT_THAT(attempts[0], HasSubstr("2026-11-23T14:05:03.500Z  2.5s"));
  EXPECT_THAT(attempts[1], HasSubstr("1        w2      signal     sig 9"));
  EXPECT_THAT(attempts[2], HasSubstr("2        w2      exit       3"));
  EXPECT_THAT(attempts[2], HasSubstr("54s"));
}

TEST(RenderJobTest, MissingFieldsDoNotBreakRendering) {
  Json sparse = Json::parse(R"({"id": "j", "state": "RUNNING", "tasks": [{"name": 7}]})");
  std::string text = RenderJob(sparse);
  EXPECT_EQ(LineStarting(text, "ID:"), "ID:          j");
  EXPECT_THAT(text, Not(HasSubstr("Labels:")));
  // Without counters, the tasks are counted.
  EXPECT_EQ(LineStarting(text, "Tasks:"), "Tasks:       0/1 done  0 running  0 failed");
  EXPECT_EQ(RenderJob(Json::array()), "Tasks:       0/0 done  0 running  0 failed\n");
}

TEST(ProgressLineTest, CountsFromCounters) {
  Json job = {{"id", "01J"},
              {"name", "demo-1"},
              {"state", "RUNNING"},
              {"counters",
               {{"SUCCEEDED", 2}, {"SKIPPED", 1}, {"RUNNING", 1}, {"QUEUED", 3}, {"FAILED", 0}}}};
  EXPECT_EQ(ProgressLine(job), "job demo-1 RUNNING  3/7 done  1 running  0 failed");
}

TEST(RenderListsTest, JobList) {
  Json page = {{"items", Json::array({kJob})}, {"nextPageToken", nullptr}};
  std::vector<std::string> lines = Lines(RenderJobList(page));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "ID     NAME       NAMESPACE  STATE   TASKS  CREATED");
  EXPECT_EQ(lines[1], "01JOB  ocr-batch  default    FAILED  3/3    2026-11-23T14:05:00.123Z");
}

TEST(RenderListsTest, WorkerList) {
  Json page = Json::parse(R"({"items": [{"name": "w1", "state": "READY", "labels": {"zone": "a"},
    "slots": 4, "slotsFree": 3, "cpu": 2, "memory": 1073741824, "version": "0.1.0",
    "lastHeartbeatAt": "2026-11-23T14:05:00.000Z", "connected": true, "running": 1}],
    "nextPageToken": null})");
  std::vector<std::string> lines = Lines(RenderWorkerList(page));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1],
            "w1    READY  3/4         1        2    1Gi     zone=a  0.1.0    "
            "2026-11-23T14:05:00.000Z");
}

TEST(RenderListsTest, DeadLetterList) {
  Json page = Json::parse(R"({"items": [{"taskId": "t2", "jobId": "01JOB", "namespace": "default",
    "task": "ocr", "attempts": 2, "outcome": "exit", "reason": "exit code 3",
    "failedAt": "2026-11-23T14:06:00.000Z"}]})");
  std::vector<std::string> lines = Lines(RenderDeadLetterList(page));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1],
            "t2       01JOB  default    ocr   2         exit     exit code 3  "
            "2026-11-23T14:06:00.000Z");
}

TEST(RenderTableTest, PadsColumnsAndTrimsLines) {
  EXPECT_EQ(RenderTable({{"A", "BB"}, {"ccc", ""}}), "A    BB\nccc  -\n");
}

TEST(FormatElapsedTest, Spellings) {
  EXPECT_EQ(FormatElapsed(250), "250ms");
  EXPECT_EQ(FormatElapsed(2500), "2.5s");
  EXPECT_EQ(FormatElapsed(54000), "54s");
  EXPECT_EQ(FormatElapsed(184000), "3m04s");
  EXPECT_EQ(FormatElapsed(3720000), "1h02m");
}

}  // namespace
}  // namespace pipegrid::cli
