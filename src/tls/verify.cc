#include "tls/verify.h"

#include <openssl/err.h>

#include <chrono>

namespace pipegrid::tls {

Status VerifyIssuedBy(X509& cert, X509& ca, std::optional<WallTime> at) {
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), &ca) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), &cert, nullptr) != 1) {
    return Internal("setting up certificate verification: " + OpenSslError());
  }
  if (at) {
    X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(*at));
  } else {
    X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME);
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    ERR_clear_error();  // the reason is in ctx; leave no stale entries behind
    return InvalidArgument(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  return Status::Ok();
}

}  // namespace pipegrid::tls
