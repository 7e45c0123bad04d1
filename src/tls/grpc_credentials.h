// gRPC credentials for pipegrid's mutual TLS, from a loaded --tls-dir.
//
// Both sides trust only ca.crt (never the system roots) and both present a
// certificate, so a peer is accepted exactly when the cluster CA issued it.
// Pure functions; thread-safe.
#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>

#include "tls/tls_dir.h"

namespace pipegrid::tls {

// For a listener (the master's worker service, the worker direct API): the
// server presents files.cert_pem and REQUIRES a client certificate that
// verifies against ca.crt; a plaintext, certificate-less or foreign-CA peer
// fails the handshake and never reaches a handler.
grpc::SslServerCredentialsOptions ServerTlsOptions(const TlsFiles& files);
std::shared_ptr<grpc::ServerCredentials> ServerTlsCredentials(const TlsFiles& files);

// For a dialer (a worker connecting to the master, a client of the worker
// direct API): verifies the server against ca.crt and the target's host name
// (the certificate's subjectAltName), and presents files.cert_pem.
grpc::SslCredentialsOptions ChannelTlsOptions(const TlsFiles& files);
std::shared_ptr<grpc::ChannelCredentials> ChannelTlsCredentials(const TlsFiles& files);

}  // namespace pipegrid::tls
