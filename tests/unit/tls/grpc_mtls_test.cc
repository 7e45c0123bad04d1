// Real gRPC handshakes on 127.0.0.1 with the generated WorkerService and the
// credentials of tls/grpc_credentials.h: the cluster's certificates connect,
// anything else is refused before it reaches a handler.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>

#include "common/clock.h"
#include "pipegrid/v1/worker.grpc.pb.h"
#include "support/test_util.h"
#include "tls/cert_dir.h"
#include "tls/grpc_credentials.h"
#include "tls/tls_dir.h"

namespace pipegrid::tls {
namespace {

using pipegrid::testing::IsOk;
using pipegrid::testing::TempDir;
using ::testing::ElementsAre;

// A stand-in master: answers every Register with a Registered adopting what
// the worker reports running, and records who connected.
class EchoRegisterService final : public v1::WorkerService::Service {
 public:
  grpc::Status Connect(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::MasterMessage, v1::WorkerMessage>* stream) override {
    v1::WorkerMessage in;
    while (stream->Read(&in)) {
      if (!in.has_registration()) continue;
      {
        std::lock_guard lock(mu_);  // handlers run on gRPC's threads
        for (const auto& cn : context->auth_context()->FindPropertyValues("x509_common_name")) {
          peers_.emplace_back(cn.data(), cn.size());
        }
        ++registrations_;
      }
      v1::MasterMessage out;
      v1::Registered* registered = out.mutable_registered();
      registered->set_lease_ms(10'000);
      registered->set_heartbeat_interval_ms(3'000);
      for (const v1::RunningAttempt& attempt : in.registration().running()) {
        registered->add_adopt(attempt.attempt_id());
      }
      if (!stream->Write(out)) break;
    }
    return grpc::Status::OK;
  }

  int registrations() const {
    std::lock_guard lock(mu_);
    return registrations_;
  }
  std::vector<std::string> peers() const {
    std::lock_guard lock(mu_);
    return peers_;
  }

 private:
  mutable std::mutex mu_;
  int registrations_ = 0;
  std::vector<std::string> peers_;  // client certificate common names
};

struct RunningServer {
  EchoRegisterService service;
  std::unique_ptr<grpc::Server> server;
  std::string address;
};

class GrpcMtlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WallTime now = SystemClock::Instance().Wall();  // gRPC checks dates on the real clock
    for (const std::string& dir : {cluster_, foreign_}) {
      CertDirOptions options;
      options.out_dir = dir;
      options.client_name = "alice";
      options.now = now;
      ASSERT_THAT(WriteCertDir(options), IsOk());
    }
  }

  static TlsFiles Load(const std::string& dir, TlsRole role, const std::string& client = "") {
    auto files = LoadTlsDir(dir, role, client);
    EXPECT_THAT(files, IsOk());
    return files.ok() ? *files : TlsFiles{};
  }

  // A server on 127.0.0.1 on a free port, with `creds`.
  static std::unique_ptr<RunningServer> Start(std::shared_ptr<grpc::ServerCredentials> creds) {
    auto running = std::make_unique<RunningServer>();
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(creds), &port);
    builder.RegisterService(&running->service);
    running->server = builder.BuildAndStart();
    EXPECT_NE(running->server, nullptr);
    EXPECT_GT(port, 0);
    running->address = "127.0.0.1:" + std::to_string(port);
    return running;
  }

  // Opens a session, registers as `w1` running one attempt, and returns the
  // final status of the stream; `reply` gets the master's first message.
  static grpc::Status Register(const std::string& address,
                               std::shared_ptr<grpc::ChannelCredentials> creds,
                               v1::MasterMessage* reply) {
    auto stub = v1::WorkerService::NewStub(grpc::CreateChannel(address, std::move(creds)));
    grpc::ClientContext context;
    // A real socket: bound the wait so a regression fails instead of hanging.
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto stream = stub->Connect(&context);
    v1::WorkerMessage hello;
    v1::Register* reg = hello.mutable_registration();
    reg->set_name("w1");
    reg->set_instance_id("instance-1");
    reg->set_protocol_version(1);
    reg->set_slots(2);
    reg->add_running()->set_attempt_id("att-7");
    if (stream->Write(hello)) stream->Read(reply);
    stream->WritesDone();
    return stream->Finish();
  }

  TempDir tmp_;
  const std::string cluster_ = tmp_.Sub("cluster");
  const std::string foreign_ = tmp_.Sub("foreign");
};

TEST_F(GrpcMtlsTest, WorkerWithAClusterCertificateRegisters) {
  auto master = Start(ServerTlsCredentials(Load(cluster_, TlsRole::kMaster)));
  v1::MasterMessage reply;
  grpc::Status status =
      Register(master->address, ChannelTlsCredentials(Load(cluster_, TlsRole::kWorker)), &reply);
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(reply.has_registered());
  EXPECT_EQ(reply.registered().lease_ms(), 10'000);
  EXPECT_THAT(reply.registered().adopt(), ElementsAre("att-7"));
  // The master saw the worker's verified certificate.
  EXPECT_THAT(master->service.peers(), ElementsAre("pipegrid worker"));
}

TEST_F(GrpcMtlsTest, ClientCertificateAuthenticatesAsItsName) {
  auto master = Start(ServerTlsCredentials(Load(cluster_, TlsRole::kMaster)));
  v1::MasterMessage reply;
  grpc::Status status = Register(
      master->address, ChannelTlsCredentials(Load(cluster_, TlsRole::kClient, "alice")), &reply);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(master->service.peers(), ElementsAre("alice"));
}

TEST_F(GrpcMtlsTest, WorkerWithAForeignCaCertificateIsRefused) {
  auto master = Start(ServerTlsCredentials(Load(cluster_, TlsRole::kMaster)));
  // It trusts the cluster's CA but presents a certificate from another one.
  TlsFiles impostor = Load(foreign_, TlsRole::kWorker);
  impostor.ca_cert_pem = Load(cluster_, TlsRole::kWorker).ca_cert_pem;
  v1::MasterMessage reply;
  grpc::Status status = Register(master->address, ChannelTlsCredentials(impostor), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_FALSE(reply.has_registered());
  EXPECT_EQ(master->service.registrations(), 0);
}

TEST_F(GrpcMtlsTest, WorkerWithoutACertificateIsRefused) {
  auto master = Start(ServerTlsCredentials(Load(cluster_, TlsRole::kMaster)));
  grpc::SslCredentialsOptions anonymous;
  anonymous.pem_root_certs = Load(cluster_, TlsRole::kWorker).ca_cert_pem;
  v1::MasterMessage reply;
  grpc::Status status = Register(master->address, grpc::SslCredentials(anonymous), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(master->service.registrations(), 0);
}

TEST_F(GrpcMtlsTest, PlaintextWorkerIsRefused) {
  auto master = Start(ServerTlsCredentials(Load(cluster_, TlsRole::kMaster)));
  v1::MasterMessage reply;
  grpc::Status status = Register(master->address, grpc::InsecureChannelCredentials(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(master->service.registrations(), 0);
}

TEST_F(GrpcMtlsTest, WorkerRefusesAMasterFromAnotherCa) {
  auto impostor = Start(ServerTlsCredentials(Load(foreign_, TlsRole::kMaster)));
  v1::MasterMessage reply;
  grpc::Status status =
      Register(impostor->address, ChannelTlsCredentials(Load(cluster_, TlsRole::kWorker)), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(impostor->service.registrations(), 0);
}

TEST(ServerTlsOptionsTest, RequiresAndVerifiesClientCertificates) {
  TlsFiles files{.dir = "d",
                 .cert_file = "master.crt",
                 .ca_cert_pem = "CA",
                 .cert_pem = "CERT",
                 .key_pem = "KEY"};
  grpc::SslServerCredentialsOptions server = ServerTlsOptions(files);
  EXPECT_EQ(server.client_certificate_request,
            GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  EXPECT_EQ(server.pem_root_certs, "CA");
  ASSERT_EQ(server.pem_key_cert_pairs.size(), 1u);
  EXPECT_EQ(server.pem_key_cert_pairs[0].private_key, "KEY");
  EXPECT_EQ(server.pem_key_cert_pairs[0].cert_chain, "CERT");
  grpc::SslCredentialsOptions channel = ChannelTlsOptions(files);
  EXPECT_EQ(channel.pem_root_certs, "CA");
  EXPECT_EQ(channel.pem_private_key, "KEY");
  EXPECT_EQ(channel.pem_cert_chain, "CERT");
}

}  // namespace
}  // namespace pipegrid::tls
