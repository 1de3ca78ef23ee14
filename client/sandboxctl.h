// sandboxctl's whole run minus the process: parse, print help or usage,
// connect, run the command. main.cc supplies argv, the environment, the real
// stub factory and std streams; tests supply their own.
#ifndef SANDBOXD_CLIENT_SANDBOXCTL_H_
#define SANDBOXD_CLIENT_SANDBOXCTL_H_

#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/command_line.h"
#include "lib/common/clock.h"
#include "sandbox/v1/sandbox.grpc.pb.h"

namespace sandboxd::client {

using StubFactory = std::function<
    absl::StatusOr<std::unique_ptr<sandbox::v1::SandboxService::StubInterface>>(
        const GlobalOptions&)>;

// Runs sandboxctl with `args` (argv without argv[0]) and returns the exit
// code (see command_runner.h). Usage errors print "error: <message>" and the
// command's short usage on `err` and return 2. Blocks on the RPCs.
int RunSandboxctl(const std::vector<std::string>& args, const Environment& env,
                  const StubFactory& make_stub, const Clock& clock,
                  std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace sandboxd::client

#endif  // SANDBOXD_CLIENT_SANDBOXCTL_H_
