// Runs one parsed sandboxctl command against a SandboxService stub and prints
// the outcome. The stub, clock and streams are injected so tests can drive it
// with a mock stub or an in-process server.
#ifndef SANDBOXD_CLIENT_COMMAND_RUNNER_H_
#define SANDBOXD_CLIENT_COMMAND_RUNNER_H_

#include <istream>
#include <ostream>

#include "client/command_line.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "lib/common/clock.h"
#include "sandbox/v1/sandbox.grpc.pb.h"

namespace sandboxd::client {

// Process exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // RPC error, or a build not READY
inline constexpr int kExitUsage = 2;    // bad command line or local input

// Not thread-safe: one runner serves one invocation at a time. Blocks on the
// RPCs it makes.
class CommandRunner {
 public:
  // `clock` times the watch display and list ages; RPC deadlines use the
  // system clock because gRPC does.
  CommandRunner(sandbox::v1::SandboxService::StubInterface& stub,
                const Clock& clock, std::istream& in, std::ostream& out,
                std::ostream& err);

  // Runs `invocation` (which must carry no help text) and returns the exit
  // code. Results go to `out`; errors go to `err` as
  // "error: NOT_FOUND: <message>" for RPCs and "error: <message>" otherwise.
  int Run(const Invocation& invocation);

 private:
  int Create(const Invocation& inv);
  int Get(const Invocation& inv);
  int List(const Invocation& inv);
  int Delete(const Invocation& inv);
  int Watch(const Invocation& inv);
  int Apply(const Invocation& inv);
  // Called when a watch stream ended OK without a final result (e.g. --after
  // past the last event): asks Get for the outcome.
  int WatchOutcomeFromGet(const Invocation& inv, absl::Duration elapsed);

  void Configure(const GlobalOptions& global, grpc::ClientContext* ctx) const;
  int RpcError(const grpc::Status& status);
  int LocalError(const absl::Status& status);
  // Prints `message` as JSON; returns kExitOk, or kExitFailure if it
  // cannot be printed.
  int PrintJson(const google::protobuf::Message& message, bool pretty);

  sandbox::v1::SandboxService::StubInterface& stub_;
  const Clock& clock_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
};

// The gRPC code's canonical name, e.g. "NOT_FOUND".
std::string GrpcCodeName(grpc::StatusCode code);

}  // namespace sandboxd::client

#endif  // SANDBOXD_CLIENT_COMMAND_RUNNER_H_
