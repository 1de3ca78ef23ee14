// sandboxctl: the operator CLI for sandboxd. Wires argv, the environment and
// the process's streams to RunSandboxctl.
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "client/channel.h"
#include "client/sandboxctl.h"
#include "lib/common/clock.h"

namespace {

std::optional<std::string> GetEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  sandboxd::client::Environment env{
      GetEnv("SANDBOXD_SERVER"), GetEnv("SANDBOXD_TOKEN"),
      GetEnv("SANDBOXD_TLS_CA"), GetEnv("SANDBOXD_TLS_CERT"),
      GetEnv("SANDBOXD_TLS_KEY")};
  sandboxd::SystemClock clock;
  return sandboxd::client::RunSandboxctl(args, env,
                                         sandboxd::client::MakeSandboxStub,
                                         clock, std::cin, std::cout, std::cerr);
}
