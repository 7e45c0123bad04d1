#include "tls/grpc_credentials.h"

namespace pipegrid::tls {

grpc::SslServerCredentialsOptions ServerTlsOptions(const TlsFiles& files) {
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = files.ca_cert_pem;
  options.pem_key_cert_pairs.push_back({files.key_pem, files.cert_pem});
  return options;
}

std::shared_ptr<grpc::ServerCredentials> ServerTlsCredentials(const TlsFiles& files) {
  return grpc::SslServerCredentials(ServerTlsOptions(files));
}

grpc::SslCredentialsOptions ChannelTlsOptions(const TlsFiles& files) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = files.ca_cert_pem;
  options.pem_private_key = files.key_pem;
  options.pem_cert_chain = files.cert_pem;
  return options;
}

std::shared_ptr<grpc::ChannelCredentials> ChannelTlsCredentials(const TlsFiles& files) {
  return grpc::SslCredentials(ChannelTlsOptions(files));
}

}  // namespace pipegrid::tls
