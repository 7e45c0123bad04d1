// Conversions between the scheduler's protocol structs
// (src/common/worker_protocol.h) and the generated messages of
// proto/pipegrid/v1/worker.proto. Both sides of the gRPC stream use them, so
// the master and the worker agree field by field. Pure functions.
#pragma once

#include <cstdint>

#include "common/clock.h"
#include "common/states.h"
#include "common/worker_protocol.h"
#include "pipegrid/v1/worker.pb.h"

namespace pipegrid::wire {

// Register.protocol_version this binary speaks; the master refuses other
// majors (DESIGN §7). Matches PIPEGRID_PROTOCOL_VERSION (common/version.h).
inline constexpr uint32_t kProtocolMajor = 1;

int64_t ToMillis(WallTime t);
WallTime FromMillis(int64_t ms);

v1::Outcome ToProto(Outcome o);
// OUTCOME_UNSPECIFIED and unknown values: Outcome::kNone.
Outcome FromProto(v1::Outcome o);

void ToProto(const protocol::Assignment& in, v1::Assign* out);
protocol::Assignment FromProto(const v1::Assign& in);

void ToProto(const protocol::StopRequest& in, v1::Stop* out);
protocol::StopRequest FromProto(const v1::Stop& in);

void ToProto(const protocol::AttemptStarted& in, v1::Started* out);
protocol::AttemptStarted FromProto(const v1::Started& in);

void ToProto(const protocol::OutputFile& in, v1::OutputFile* out);
protocol::OutputFile FromProto(const v1::OutputFile& in);

void ToProto(const protocol::AttemptFinished& in, v1::Finished* out);
protocol::AttemptFinished FromProto(const v1::Finished& in);

}  // namespace pipegrid::wire
