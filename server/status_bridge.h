// The one bridge between absl::Status (lib/) and grpc::Status (the wire).
// Used by server/'s service and reactors.
#ifndef SANDBOXD_SERVER_STATUS_BRIDGE_H_
#define SANDBOXD_SERVER_STATUS_BRIDGE_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace sandboxd {

// Codes map one to one (both follow google.rpc.Code); the message is kept.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace sandboxd

#endif  // SANDBOXD_SERVER_STATUS_BRIDGE_H_
