// The worker protocol's structs survive a trip through the generated
// messages and the wire, field by field, including absent optionals.
#include "wire/convert.h"

#include <gtest/gtest.h>

namespace pipegrid::wire {
namespace {

template <typename Proto>
Proto OverTheWire(const Proto& msg) {
  std::string bytes;
  EXPECT_TRUE(msg.SerializeToString(&bytes));
  Proto back;
  EXPECT_TRUE(back.ParseFromString(bytes));
  return back;
}

TEST(ConvertTest, AssignmentRoundTrips) {
  protocol::Assignment a;
  a.attempt_id = "att-1";
  a.job_id = "job-1";
  a.task_id = "task-1";
  a.task_name = "ocr";
  a.attempt_number = 3;
  a.steps = {{"shell", {"echo a", "echo b"}}, {"wget", {"wget x"}}};
  a.timeout = Millis(1500);
  a.env = {{"K", "V"}};
  v1::Assign msg;
  ToProto(a, &msg);
  protocol::Assignment back = FromProto(OverTheWire(msg));
  EXPECT_EQ(back.attempt_id, "att-1");
  EXPECT_EQ(back.job_id, "job-1");
  EXPECT_EQ(back.task_id, "task-1");
  EXPECT_EQ(back.task_name, "ocr");
  EXPECT_EQ(back.attempt_number, 3);
  ASSERT_EQ(back.steps.size(), 2u);
  EXPECT_EQ(back.steps[1].executor, "wget");
  EXPECT_EQ(back.steps[0].commands, (std::vector<std::string>{"echo a", "echo b"}));
  EXPECT_EQ(back.timeout, Millis(1500));
  EXPECT_EQ(back.env.at("K"), "V");

  a.timeout.reset();
  a.steps = {{"", {"true"}}};
  v1::Assign no_timeout;
  ToProto(a, &no_timeout);
  back = FromProto(OverTheWire(no_timeout));
  EXPECT_FALSE(back.timeout.has_value());
  EXPECT_EQ(back.steps[0].executor, "shell");  // the default executor
}

TEST(ConvertTest, FinishedKeepsExitCodeAndSignalPresence) {
  protocol::AttemptFinished f;
  f.attempt_id = "att-1";
  f.outcome = Outcome::kExit;
  f.exit_code = 0;  // present and zero differs from absent
  f.reason = "step 1 exited";
  f.finished_at = FromMillis(1'700'000'000'123);
  v1::Finished msg;
  ToProto(f, &msg);
  protocol::AttemptFinished back = FromProto(OverTheWire(msg));
  EXPECT_EQ(back.outcome, Outcome::kExit);
  ASSERT_TRUE(back.exit_code.has_value());
  EXPECT_EQ(*back.exit_code, 0);
  EXPECT_FALSE(back.signal.has_value());
  EXPECT_EQ(back.reason, "step 1 exited");
  EXPECT_EQ(ToMillis(back.finished_at), 1'700'000'000'123);
}

TEST(ConvertTest, EveryOutcomeMapsBothWaysAndUnknownIsNone) {
  for (Outcome o : kAllOutcomes) EXPECT_EQ(FromProto(ToProto(o)), o) << Name(o);
  EXPECT_EQ(FromProto(v1::OUTCOME_UNSPECIFIED), Outcome::kNone);
  EXPECT_EQ(FromProto(static_cast<v1::Outcome>(99)), Outcome::kNone);
}

TEST(ConvertTest, AStopWithoutOutcomeIsACancel) {
  v1::Stop msg;
  msg.set_attempt_id("a");
  msg.set_grace_ms(0);
  protocol::StopRequest req = FromProto(msg);
  EXPECT_EQ(req.outcome, Outcome::kCancelled);
  EXPECT_EQ(req.grace, Millis(0));
  protocol::StopRequest kill{"a", Outcome::kKilled, Millis(0)};
  ToProto(kill, &msg);
  EXPECT_EQ(FromProto(OverTheWire(msg)).outcome, Outcome::kKilled);
}

TEST(ConvertTest, StartedRoundTrips) {
  protocol::AttemptStarted s{"att-9", 4242, FromMillis(1'700'000'000'001)};
  v1::Started msg;
  ToProto(s, &msg);
  protocol::AttemptStarted back = FromProto(OverTheWire(msg));
  EXPECT_EQ(back.attempt_id, "att-9");
  EXPECT_EQ(back.pgid, 4242);
  EXPECT_EQ(back.started_at, s.started_at);
}

}  // namespace
}  // namespace pipegrid::wire
