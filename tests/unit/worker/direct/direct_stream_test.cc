// StreamOutput: from an offset, to the current end, and following a running
// command until it finishes.
#include <filesystem>

#include "direct_fixture.h"
#include "support/fifo_gate.h"

namespace pipegrid::worker::direct::testing {
namespace {

using pipegrid::testing::FifoGate;

TEST_F(DirectServerTest, StreamsAFinishedCommandFromAnOffset) {
  StartServer();
  std::string id = StartOk("printf 'hello world'");
  WaitFinished(id);
  Streamed tail = ReadOutput(id, /*follow=*/false, /*offset=*/6);
  ASSERT_TRUE(tail.status.ok()) << tail.status.error_message();
  EXPECT_EQ(tail.data, "world");
  EXPECT_TRUE(tail.offsets_contiguous);
  // Past the end: nothing, and no error.
  Streamed past = ReadOutput(id, /*follow=*/true, /*offset=*/100);
  EXPECT_TRUE(past.status.ok());
  EXPECT_EQ(past.data, "");
  EXPECT_EQ(ReadOutput(id, false, -1).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(DirectServerTest, LargeOutputArrivesWholeInOrderedChunks) {
  StartServer();
  std::string id = StartOk("seq 1 100000");  // ~600 KB: several chunks
  std::string output;
  WaitFinished(id, &output);
  Streamed again = ReadOutput(id, false);
  EXPECT_EQ(again.data, output);
  EXPECT_TRUE(again.offsets_contiguous);
  EXPECT_EQ(output.size(), 588'895u);
  EXPECT_TRUE(output.starts_with("1\n2\n"));
  EXPECT_TRUE(output.ends_with("\n100000\n"));
}

// The command prints, then blocks on a gate the test opens only after the
// stream has delivered the first line: the second line is written after the
// call started and must still arrive, then the stream ends with the command.
TEST_F(DirectServerTest, FollowDeliversOutputWrittenAfterTheCallStarted) {
  StartServer();
  FifoGate gate(tmp_.Sub("gate"));
  std::string id = StartOk("echo before; read x < " + gate.path() + "; echo after");

  grpc::ClientContext context;
  Bound(context);
  v1::StreamOutputRequest request;
  request.set_command_id(id);
  request.set_follow(true);
  auto reader = As().StreamOutput(&context, request);
  std::string seen;
  v1::OutputChunk chunk;
  while (seen.size() < 7 && reader->Read(&chunk)) seen += chunk.data();
  ASSERT_EQ(seen, "before\n");

  gate.Open();
  while (reader->Read(&chunk)) seen += chunk.data();
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(seen, "before\nafter\n");
  v1::CommandStatus final_status;
  ASSERT_TRUE(GetStatus(id, &final_status).ok());
  EXPECT_EQ(final_status.state(), v1::CommandStatus::STATE_FINISHED);
  EXPECT_EQ(final_status.output_bytes(), 13);
}

// Without follow the stream stops at the current end of a running command.
TEST_F(DirectServerTest, WithoutFollowAStreamEndsAtTheCurrentEnd) {
  StartServer();
  FifoGate gate(tmp_.Sub("gate"));
  std::string id = StartOk("echo first; read x < " + gate.path() + "; echo second");
  {
    // The output reaches the file on the worker's pump thread: a follower
    // that has seen it is how the test knows it is there.
    grpc::ClientContext context;
    Bound(context);
    v1::StreamOutputRequest request;
    request.set_command_id(id);
    request.set_follow(true);
    auto reader = As().StreamOutput(&context, request);
    std::string seen;
    v1::OutputChunk chunk;
    while (seen.size() < 6 && reader->Read(&chunk)) seen += chunk.data();
    ASSERT_EQ(seen, "first\n");
    context.TryCancel();
    while (reader->Read(&chunk)) {
    }
    reader->Finish();
  }
  Streamed now = ReadOutput(id, /*follow=*/false);
  EXPECT_TRUE(now.status.ok());
  EXPECT_EQ(now.data, "first\n");
  gate.Open();
  std::string output;
  WaitFinished(id, &output);
  EXPECT_EQ(output, "first\nsecond\n");
}

// A client that goes away while following frees its stream; the command and
// the server are unaffected.
TEST_F(DirectServerTest, CancelledFollowerLeavesTheCommandRunning) {
  StartServer();
  FifoGate gate(tmp_.Sub("gate"));
  std::string id = StartOk("echo before; read x < " + gate.path() + "; echo after");
  {
    grpc::ClientContext context;
    Bound(context);
    v1::StreamOutputRequest request;
    request.set_command_id(id);
    request.set_follow(true);
    auto reader = As().StreamOutput(&context, request);
    v1::OutputChunk chunk;
    ASSERT_TRUE(reader->Read(&chunk));
    context.TryCancel();
    while (reader->Read(&chunk)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  v1::CommandStatus status;
  ASSERT_TRUE(GetStatus(id, &status).ok());
  EXPECT_EQ(status.state(), v1::CommandStatus::STATE_RUNNING);
  gate.Open();
  std::string output;
  EXPECT_EQ(WaitFinished(id, &output).outcome(), v1::OUTCOME_SUCCEEDED);
  EXPECT_EQ(output, "before\nafter\n");
}

// Stop() while a follower waits: the follower gets the end of the output and
// the call ends; Stop() does not hang on it.
TEST_F(DirectServerTest, ServerStopEndsFollowers) {
  StartServer();
  FifoGate gate(tmp_.Sub("gate"));
  std::string id = StartOk("echo before; read x < " + gate.path());
  grpc::ClientContext context;
  Bound(context);
  v1::StreamOutputRequest request;
  request.set_command_id(id);
  request.set_follow(true);
  auto reader = As().StreamOutput(&context, request);
  v1::OutputChunk chunk;
  ASSERT_TRUE(reader->Read(&chunk));
  EXPECT_EQ(chunk.data(), "before\n");
  server_->Stop();
  while (reader->Read(&chunk)) {
  }
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok() || status.error_code() == grpc::StatusCode::CANCELLED ||
              status.error_code() == grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

}  // namespace
}  // namespace pipegrid::worker::direct::testing
