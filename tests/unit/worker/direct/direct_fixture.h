// A fixture for the worker direct API: a real DirectServer on 127.0.0.1:0
// with certificates of a fresh cluster CA (and of a foreign one), real
// commands, and gRPC clients with a chosen identity. SystemClock: gRPC checks
// certificate dates and deadlines on the real clock anyway.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "../worker_test_util.h"
#include "common/clock.h"
#include "pipegrid/v1/worker_direct.grpc.pb.h"
#include "support/test_util.h"
#include "tls/cert_dir.h"
#include "tls/grpc_credentials.h"
#include "tls/tls_dir.h"
#include "worker/direct/direct_server.h"

namespace pipegrid::worker::direct::testing {

using pipegrid::testing::IsOk;
using pipegrid::testing::TempDir;
using pipegrid::worker::testing::kDeadline;

class DirectServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [dir, client] :
         {std::pair{cluster_, "alice"}, {cluster_, "bob"}, {foreign_, "alice"}}) {
      tls::CertDirOptions certs;
      certs.out_dir = dir;
      certs.client_name = client;
      certs.now = SystemClock::Instance().Wall();
      ASSERT_THAT(tls::WriteCertDir(certs), IsOk());
    }
    options_.listen = "127.0.0.1:0";
    options_.tls_dir = cluster_;
    options_.work_dir = tmp_.Sub("work");
  }
  void TearDown() override {
    stubs_.clear();
    if (server_) server_->Stop();
  }

  // Starts the server with options_ as they are now.
  void StartServer() {
    Result<std::unique_ptr<DirectServer>> server =
        DirectServer::Start(options_, SystemClock::Instance());
    ASSERT_THAT(server, IsOk());
    server_ = std::move(server).value();
  }

  static tls::TlsFiles Load(const std::string& dir, tls::TlsRole role,
                            const std::string& client = "") {
    Result<tls::TlsFiles> files = tls::LoadTlsDir(dir, role, client);
    EXPECT_THAT(files, IsOk());
    return files.ok() ? *files : tls::TlsFiles{};
  }

  std::unique_ptr<v1::WorkerDirect::Stub> Connect(std::shared_ptr<grpc::ChannelCredentials> creds) {
    return v1::WorkerDirect::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()), std::move(creds)));
  }
  // A client of the cluster with client-NAME's certificate (cached).
  v1::WorkerDirect::Stub& As(const std::string& name = "alice") {
    auto& stub = stubs_[name];
    if (!stub)
      stub = Connect(tls::ChannelTlsCredentials(Load(cluster_, tls::TlsRole::kClient, name)));
    return *stub;
  }

  // A real socket: bound every call so a regression fails instead of hanging.
  static void Bound(grpc::ClientContext& context) {
    context.set_deadline(std::chrono::system_clock::now() + kDeadline);
  }

  grpc::Status Start(v1::StartCommandRequest request, v1::StartCommandResponse* response,
                     const std::string& as = "alice") {
    grpc::ClientContext context;
    Bound(context);
    return As(as).StartCommand(&context, request, response);
  }
  // Starts `command` and returns its id; fails the test on error.
  std::string StartOk(const std::string& command) {
    v1::StartCommandRequest request;
    request.set_command(command);
    v1::StartCommandResponse response;
    grpc::Status s = Start(request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.command_id();
  }

  grpc::Status GetStatus(const std::string& id, v1::CommandStatus* status) {
    grpc::ClientContext context;
    Bound(context);
    v1::GetStatusRequest request;
    request.set_command_id(id);
    return As().GetStatus(&context, request, status);
  }
  grpc::Status Stop(const std::string& id, int64_t grace_ms, v1::CommandStatus* status) {
    grpc::ClientContext context;
    Bound(context);
    v1::StopCommandRequest request;
    request.set_command_id(id);
    request.set_grace_ms(grace_ms);
    return As().StopCommand(&context, request, status);
  }

  struct Streamed {
    grpc::Status status;
    std::string data;
    bool offsets_contiguous = true;  // each chunk starts where the last ended
  };
  Streamed ReadOutput(const std::string& id, bool follow, int64_t offset = 0) {
    grpc::ClientContext context;
    Bound(context);
    v1::StreamOutputRequest request;
    request.set_command_id(id);
    request.set_offset(offset);
    request.set_follow(follow);
    auto reader = As().StreamOutput(&context, request);
    Streamed out;
    v1::OutputChunk chunk;
    int64_t next = offset;
    while (reader->Read(&chunk)) {
      if (chunk.offset() != next) out.offsets_contiguous = false;
      next = chunk.offset() + static_cast<int64_t>(chunk.data().size());
      out.data += chunk.data();
    }
    out.status = reader->Finish();
    return out;
  }

  // Follows the output to its end (the stream ends only once the command
  // is FINISHED), then returns the final status.
  v1::CommandStatus WaitFinished(const std::string& id, std::string* output = nullptr) {
    Streamed streamed = ReadOutput(id, /*follow=*/true);
    EXPECT_TRUE(streamed.status.ok()) << streamed.status.error_message();
    if (output) *output = streamed.data;
    v1::CommandStatus status;
    grpc::Status s = GetStatus(id, &status);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(status.state(), v1::CommandStatus::STATE_FINISHED);
    return status;
  }

  TempDir tmp_;
  const std::string cluster_ = tmp_.Sub("cluster");
  const std::string foreign_ = tmp_.Sub("foreign");
  DirectOptions options_;
  std::unique_ptr<DirectServer> server_;
  std::map<std::string, std::unique_ptr<v1::WorkerDirect::Stub>> stubs_;
};

}  // namespace pipegrid::worker::direct::testing
