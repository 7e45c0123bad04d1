// The generated protocol messages: every message survives serialisation
// unchanged, presence of optional fields survives too, and the Outcome enum
// mirrors src/common/states.h so conversions can rely on it.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "common/states.h"
#include "pipegrid/v1/outcome.pb.h"
#include "pipegrid/v1/worker.pb.h"
#include "pipegrid/v1/worker_direct.pb.h"

namespace pipegrid {
namespace {

using google::protobuf::util::MessageDifferencer;

// Serialises `msg`, parses it into a fresh message of the same type and
// expects the two to be equal field by field.
template <typename M>
M RoundTrip(const M& msg) {
  std::string wire;
  EXPECT_TRUE(msg.SerializeToString(&wire));
  M back;
  EXPECT_TRUE(back.ParseFromString(wire));
  EXPECT_TRUE(MessageDifferencer::Equals(msg, back)) << "sent:\n"
                                                     << msg.DebugString() << "received:\n"
                                                     << back.DebugString();
  return back;
}

v1::WorkerMessage RegisterMessage() {
  v1::WorkerMessage m;
  v1::Register* r = m.mutable_registration();
  r->set_name("w1");
  r->set_instance_id("5f0c7a");
  r->set_version("0.4.0");
  r->set_protocol_version(1);
  (*r->mutable_labels())["gpu"] = "a100";
  (*r->mutable_labels())["rack"] = "r7";
  r->set_zone("eu-1a");
  r->set_slots(8);
  r->set_cpu(7.5);
  r->set_memory_bytes(int64_t{32} << 30);
  v1::RunningAttempt* a = r->add_running();
  a->set_attempt_id("att-1");
  a->set_pgid(4242);
  a->set_started_at_ms(1'800'000'000'123);
  r->add_running()->set_attempt_id("att-2");
  return m;
}

TEST(WorkerMessageTest, EveryKindRoundTrips) {
  v1::WorkerMessage reg = RoundTrip(RegisterMessage());
  ASSERT_EQ(reg.kind_case(), v1::WorkerMessage::kRegistration);
  EXPECT_EQ(reg.registration().labels().at("rack"), "r7");
  EXPECT_EQ(reg.registration().running(1).attempt_id(), "att-2");
  EXPECT_EQ(reg.registration().memory_bytes(), int64_t{32} << 30);

  v1::WorkerMessage started;
  started.mutable_started()->set_attempt_id("att-1");
  started.mutable_started()->set_pgid(99);
  started.mutable_started()->set_started_at_ms(1'800'000'000'000);
  EXPECT_EQ(RoundTrip(started).kind_case(), v1::WorkerMessage::kStarted);

  v1::WorkerMessage log;
  log.mutable_log_chunk()->set_attempt_id("att-1");
  log.mutable_log_chunk()->set_offset(65536);
  const std::string binary("out\0\xff\xfe\n", 7);  // output need not be UTF-8
  log.mutable_log_chunk()->set_data(binary);
  EXPECT_EQ(RoundTrip(log).log_chunk().data(), binary);

  v1::WorkerMessage heartbeat;
  heartbeat.mutable_heartbeat()->set_seq(17);
  heartbeat.mutable_heartbeat()->set_slots_free(3);
  EXPECT_EQ(RoundTrip(heartbeat).heartbeat().seq(), 17u);

  v1::WorkerMessage draining;
  draining.mutable_draining()->set_reason("SIGTERM");
  EXPECT_EQ(RoundTrip(draining).kind_case(), v1::WorkerMessage::kDraining);

  v1::WorkerMessage bye;
  bye.mutable_deregister()->set_reason("shutdown");
  EXPECT_EQ(RoundTrip(bye).kind_case(), v1::WorkerMessage::kDeregister);
}

TEST(WorkerMessageTest, FinishedKeepsExitCodePresence) {
  v1::WorkerMessage exit0;
  v1::Finished* f = exit0.mutable_finished();
  f->set_attempt_id("att-1");
  f->set_outcome(v1::OUTCOME_SUCCEEDED);
  f->set_exit_code(0);  // present and zero: not the same as absent
  f->set_finished_at_ms(1'800'000'001'000);
  v1::WorkerMessage back = RoundTrip(exit0);
  EXPECT_TRUE(back.finished().has_exit_code());
  EXPECT_EQ(back.finished().exit_code(), 0);
  EXPECT_FALSE(back.finished().has_signal());

  v1::WorkerMessage signalled;
  signalled.mutable_finished()->set_attempt_id("att-2");
  signalled.mutable_finished()->set_outcome(v1::OUTCOME_SIGNAL);
  signalled.mutable_finished()->set_signal(9);
  signalled.mutable_finished()->set_reason("step 1 killed by signal 9");
  back = RoundTrip(signalled);
  EXPECT_FALSE(back.finished().has_exit_code());
  EXPECT_EQ(back.finished().signal(), 9);
  EXPECT_EQ(back.finished().outcome(), v1::OUTCOME_SIGNAL);
}

TEST(MasterMessageTest, EveryKindRoundTrips) {
  v1::MasterMessage registered;
  v1::Registered* r = registered.mutable_registered();
  r->set_lease_ms(10'000);
  r->set_heartbeat_interval_ms(3'000);
  r->add_adopt("att-1");
  r->add_kill("att-2");
  (*r->mutable_log_offsets())["att-1"] = 1234;
  EXPECT_EQ(RoundTrip(registered).registered().log_offsets().at("att-1"), 1234);

  v1::MasterMessage assign;
  v1::Assign* a = assign.mutable_assign();
  a->set_attempt_id("att-3");
  a->set_job_id("job-1");
  a->set_task_id("task-1");
  a->set_task_name("ocr[2]");
  a->set_attempt_number(2);
  v1::Step* step = a->add_steps();
  step->set_executor("shell");
  step->add_commands("echo one");
  step->add_commands("echo two > out.txt");
  a->add_steps()->set_executor("wget");
  a->set_timeout_ms(600'000);
  (*a->mutable_env())["PIPEGRID_ITEM"] = "3";
  v1::MasterMessage back = RoundTrip(assign);
  EXPECT_EQ(back.assign().steps(0).commands(1), "echo two > out.txt");
  EXPECT_TRUE(back.assign().has_timeout_ms());

  v1::MasterMessage no_timeout = assign;
  no_timeout.mutable_assign()->clear_timeout_ms();
  EXPECT_FALSE(RoundTrip(no_timeout).assign().has_timeout_ms());

  v1::MasterMessage stop;
  stop.mutable_stop()->set_attempt_id("att-3");
  stop.mutable_stop()->set_outcome(v1::OUTCOME_CANCELLED);
  stop.mutable_stop()->set_grace_ms(10'000);
  EXPECT_EQ(RoundTrip(stop).stop().outcome(), v1::OUTCOME_CANCELLED);

  v1::MasterMessage release;
  release.mutable_release_job()->set_job_id("job-1");
  EXPECT_EQ(RoundTrip(release).kind_case(), v1::MasterMessage::kReleaseJob);

  v1::MasterMessage refused;
  refused.mutable_refused()->set_reason("worker w1 is live with another instance id");
  refused.mutable_refused()->set_permanent(false);
  EXPECT_EQ(RoundTrip(refused).kind_case(), v1::MasterMessage::kRefused);
}

TEST(WorkerDirectTest, EveryMessageRoundTrips) {
  v1::StartCommandRequest start;
  start.set_command("samtools sort in.bam -o out.bam");
  (*start.mutable_env())["THREADS"] = "4";
  start.set_work_dir("runs/42");
  start.set_timeout_ms(3'600'000);
  start.set_request_id("req-1");
  RoundTrip(start);

  v1::StartCommandResponse started;
  started.set_command_id("cmd-1");
  started.set_pgid(777);
  started.set_started_at_ms(1'800'000'000'000);
  RoundTrip(started);

  v1::StopCommandRequest stop;
  stop.set_command_id("cmd-1");
  stop.set_grace_ms(5'000);
  RoundTrip(stop);

  v1::GetStatusRequest status_request;
  status_request.set_command_id("cmd-1");
  RoundTrip(status_request);

  v1::CommandStatus status;
  status.set_command_id("cmd-1");
  status.set_state(v1::CommandStatus::STATE_FINISHED);
  status.set_outcome(v1::OUTCOME_EXIT);
  status.set_exit_code(3);
  status.set_started_at_ms(1);
  status.set_finished_at_ms(2);
  status.set_output_bytes(4096);
  EXPECT_EQ(RoundTrip(status).exit_code(), 3);

  v1::StreamOutputRequest stream;
  stream.set_command_id("cmd-1");
  stream.set_offset(100);
  stream.set_follow(true);
  RoundTrip(stream);

  v1::OutputChunk chunk;
  chunk.set_offset(100);
  chunk.set_data(std::string("\0\1\2", 3));
  EXPECT_EQ(RoundTrip(chunk).data().size(), 3u);
}

// A newer peer may send a kind this build does not know (fields change only
// by addition within v1): it must parse, with no kind set, not fail.
TEST(CompatibilityTest, UnknownKindFromANewerPeerParsesAsNoKind) {
  v1::WorkerMessage newer = RegisterMessage();
  std::string wire;
  ASSERT_TRUE(newer.SerializeToString(&wire));
  // Field 99, length-delimited, 2 bytes: what a future oneof member looks like.
  const std::string future = std::string("\x9a\x06\x02\x08\x01", 5);
  v1::WorkerMessage parsed;
  ASSERT_TRUE(parsed.ParseFromString(future));
  EXPECT_EQ(parsed.kind_case(), v1::WorkerMessage::KIND_NOT_SET);
  // And alongside a known field, the known one is kept.
  ASSERT_TRUE(parsed.ParseFromString(wire + future));
  EXPECT_EQ(parsed.registration().name(), "w1");
}

TEST(OutcomeTest, MirrorsStatesHByNumberAndName) {
  EXPECT_EQ(v1::OUTCOME_UNSPECIFIED, static_cast<int>(Outcome::kNone));
  for (Outcome o : kAllOutcomes) {
    std::string expected = "OUTCOME_";
    for (char c : Name(o))
      expected += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    v1::Outcome proto;
    ASSERT_TRUE(v1::Outcome_Parse(expected, &proto)) << expected;
    EXPECT_EQ(static_cast<int>(proto), static_cast<int>(o)) << expected;
  }
  // No proto outcome without a C++ one.
  EXPECT_EQ(v1::Outcome_descriptor()->value_count(), static_cast<int>(kAllOutcomes.size()) + 1);
}

}  // namespace
}  // namespace pipegrid
