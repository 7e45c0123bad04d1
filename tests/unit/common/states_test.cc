#include "common/states.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace pipegrid {
namespace {

TEST(StatesTest, JobStateNamesRoundTrip) {
  std::set<std::string_view> names;
  for (JobState s : kAllJobStates) {
    EXPECT_EQ(ParseJobState(Name(s)), s);
    names.insert(Name(s));
  }
  EXPECT_EQ(names.size(), kAllJobStates.size());
  EXPECT_EQ(Name(JobState::kRunning), "RUNNING");
}

TEST(StatesTest, TaskStateNamesRoundTrip) {
  std::set<std::string_view> names;
  for (TaskState s : kAllTaskStates) {
    EXPECT_EQ(ParseTaskState(Name(s)), s);
    names.insert(Name(s));
  }
  EXPECT_EQ(names.size(), kAllTaskStates.size());
  EXPECT_EQ(Name(TaskState::kQueued), "QUEUED");
  EXPECT_EQ(Name(TaskState::kRetrying), "RETRYING");
}

TEST(StatesTest, OutcomeNamesRoundTrip) {
  for (Outcome o : kAllOutcomes) EXPECT_EQ(ParseOutcome(Name(o)), o);
  EXPECT_EQ(Name(Outcome::kExit), "exit");
  EXPECT_EQ(Name(Outcome::kNone), "");
  EXPECT_EQ(ParseOutcome(""), Outcome::kNone);
}

TEST(StatesTest, WorkerStateNames) {
  EXPECT_EQ(Name(WorkerState::kReady), "READY");
  EXPECT_EQ(Name(WorkerState::kDraining), "DRAINING");
  EXPECT_EQ(Name(WorkerState::kLost), "LOST");
  EXPECT_EQ(Name(WorkerState::kGone), "GONE");
}

TEST(StatesTest, UnknownNamesAreRejected) {
  EXPECT_EQ(ParseJobState("running"), std::nullopt);  // names are case-sensitive
  EXPECT_EQ(ParseJobState("QUEUED"), std::nullopt);
  EXPECT_EQ(ParseTaskState(""), std::nullopt);
  EXPECT_EQ(ParseOutcome("EXIT"), std::nullopt);
}

TEST(StatesTest, FinishedStates) {
  EXPECT_TRUE(IsFinished(JobState::kCancelled));
  EXPECT_FALSE(IsFinished(JobState::kRunning));
  EXPECT_TRUE(IsFinished(TaskState::kSkipped));
  EXPECT_FALSE(IsFinished(TaskState::kRetrying));
}

}  // namespace
}  // namespace pipegrid
