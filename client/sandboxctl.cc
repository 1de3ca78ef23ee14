#include "client/sandboxctl.h"

#include "client/command_runner.h"
#include "client/usage.h"

namespace sandboxd::client {

int RunSandboxctl(const std::vector<std::string>& args, const Environment& env,
                  const StubFactory& make_stub, const Clock& clock,
                  std::istream& in, std::ostream& out, std::ostream& err) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine(args, env);
  if (!invocation.ok()) {
    err << "error: " << invocation.status().message() << "\n"
        << ShortUsage(FindCommandName(args));
    return kExitUsage;
  }
  if (!invocation->help.empty()) {
    out << invocation->help;
    return kExitOk;
  }
  auto stub = make_stub(invocation->global);
  if (!stub.ok()) {
    err << "error: " << stub.status().message() << "\n";
    return kExitUsage;
  }
  CommandRunner runner(**stub, clock, in, out, err);
  return runner.Run(*invocation);
}

}  // namespace sandboxd::client
