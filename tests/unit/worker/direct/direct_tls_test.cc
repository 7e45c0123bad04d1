// Who may call the worker direct API: only clients with a certificate from
// the cluster CA, over TLS; and the server refuses to start without one.
#include "direct_fixture.h"

namespace pipegrid::worker::direct::testing {
namespace {

using pipegrid::testing::StatusIs;

// Any call will do: GetStatus of a command that does not exist answers
// NOT_FOUND once the handshake succeeded, UNAVAILABLE when it failed.
grpc::StatusCode Probe(v1::WorkerDirect::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kDeadline);
  v1::GetStatusRequest request;
  request.set_command_id("probe");
  v1::CommandStatus status;
  return stub.GetStatus(&context, request, &status).error_code();
}

TEST_F(DirectServerTest, ClusterClientCertificateIsAccepted) {
  StartServer();
  EXPECT_EQ(Probe(As("alice")), grpc::StatusCode::NOT_FOUND);
}

TEST_F(DirectServerTest, ClientWithoutCertificateIsRefused) {
  StartServer();
  grpc::SslCredentialsOptions anonymous;
  anonymous.pem_root_certs = Load(cluster_, tls::TlsRole::kClient, "alice").ca_cert_pem;
  EXPECT_EQ(Probe(*Connect(grpc::SslCredentials(anonymous))), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(DirectServerTest, ClientCertificateFromAnotherCaIsRefused) {
  StartServer();
  // Trusts the worker, but presents a certificate the cluster CA never issued.
  tls::TlsFiles impostor = Load(foreign_, tls::TlsRole::kClient, "alice");
  impostor.ca_cert_pem = Load(cluster_, tls::TlsRole::kClient, "alice").ca_cert_pem;
  EXPECT_EQ(Probe(*Connect(tls::ChannelTlsCredentials(impostor))), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(DirectServerTest, PlaintextClientIsRefused) {
  StartServer();
  EXPECT_EQ(Probe(*Connect(grpc::InsecureChannelCredentials())), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(DirectServerTest, DoesNotStartWithoutTlsDir) {
  options_.tls_dir.clear();
  EXPECT_THAT(DirectServer::Start(options_, SystemClock::Instance()),
              StatusIs(StatusCode::kInvalidArgument));
  options_.tls_dir = tmp_.Sub("missing");
  EXPECT_THAT(DirectServer::Start(options_, SystemClock::Instance()),
              StatusIs(StatusCode::kNotFound));
}

TEST_F(DirectServerTest, DoesNotStartWithExpiredCertificates) {
  FakeClock later;
  later.Advance(std::chrono::hours(24 * 365 * 30));  // past every certificate
  EXPECT_THAT(DirectServer::Start(options_, later), StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(DirectServerTest, AnAddressInUseIsUnavailable) {
  StartServer();
  options_.listen = "127.0.0.1:" + std::to_string(server_->port());
  options_.work_dir = tmp_.Sub("work2");
  EXPECT_THAT(DirectServer::Start(options_, SystemClock::Instance()),
              StatusIs(StatusCode::kUnavailable));
}

}  // namespace
}  // namespace pipegrid::worker::direct::testing
