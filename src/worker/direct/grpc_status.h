// pipegrid Status -> grpc::Status: the codes line up one for one (both sets
// come from the same abseil/gRPC vocabulary).
//
// Pure function; thread-safe.
#pragma once

#include <grpcpp/support/status.h>

#include "common/status.h"

namespace pipegrid::worker::direct {

grpc::Status ToGrpcStatus(const Status& status);

}  // namespace pipegrid::worker::direct
