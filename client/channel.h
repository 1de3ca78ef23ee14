// Connects sandboxctl to sandboxd: the channel credentials (insecure or TLS)
// and the generated stub. Used by main.cc; tests reach the same code through
// RunSandboxctl with a factory of their own or this one.
#ifndef SANDBOXD_CLIENT_CHANNEL_H_
#define SANDBOXD_CLIENT_CHANNEL_H_

#include <memory>

#include "absl/status/statusor.h"
#include "client/command_line.h"
#include "sandbox/v1/sandbox.grpc.pb.h"

namespace sandboxd::client {

// A stub on a new channel to `options.server`. Does not block (the channel
// connects on the first call). NOT_FOUND if --ca, --cert or --key cannot be
// read.
absl::StatusOr<std::unique_ptr<sandbox::v1::SandboxService::StubInterface>>
MakeSandboxStub(const GlobalOptions& options);

}  // namespace sandboxd::client

#endif  // SANDBOXD_CLIENT_CHANNEL_H_
