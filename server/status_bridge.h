// The one bridge between absl::Status (lib/) and grpc::Status (the wire).
// Used by server/'s service and reactors. A refusal's retry hint
// (lib/core/retry_hint.h) travels as the trailer `retry-after` (whole
// seconds), which the REST front answers as an HTTP Retry-After header.
#ifndef SANDBOXD_SERVER_STATUS_BRIDGE_H_
#define SANDBOXD_SERVER_STATUS_BRIDGE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "lib/core/retry_hint.h"

namespace sandboxd {

// Codes map one to one (both follow google.rpc.Code); the message is kept.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

// Adds the `retry-after` trailer when `status` carries a retry hint. Call
// before finishing the call with ToGrpcStatus(status).
inline void AddRetryTrailer(const absl::Status& status,
                            grpc::ServerContextBase& context) {
  if (std::optional<absl::Duration> delay = RetryAfter(status)) {
    context.AddTrailingMetadata("retry-after",
                                absl::StrCat(RetryAfterSeconds(*delay)));
  }
}

inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace sandboxd

#endif  // SANDBOXD_SERVER_STATUS_BRIDGE_H_
