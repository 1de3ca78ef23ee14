// How the emulator maps a sandbox's ports onto the host: sandboxes share the
// host's network, so each sandbox port gets its own host port and commands
// are rewritten to use it (`-p 3000`, `--port 3000`, `--port=3000`,
// `PORT=3000`); wildcard binds (`-H 0.0.0.0`, `--hostname 0.0.0.0`) are
// narrowed to 127.0.0.1. Pure function; test-only.
#ifndef SANDBOXD_TESTS_DAYTONA_EMULATOR_COMMAND_REWRITE_H_
#define SANDBOXD_TESTS_DAYTONA_EMULATOR_COMMAND_REWRITE_H_

#include <functional>
#include <string>

namespace sandboxd::emulator {

// `host_port(p)` gives the host port for sandbox port p.
std::string RewriteCommand(const std::string& command,
                           const std::function<int(int)>& host_port);

}  // namespace sandboxd::emulator

#endif  // SANDBOXD_TESTS_DAYTONA_EMULATOR_COMMAND_REWRITE_H_
