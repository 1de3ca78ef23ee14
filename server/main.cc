// sandboxd: parses flags and hands them to RunService with the real
// providers (server/providers.cc).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "server/auth_setup.h"
#include "server/providers.h"
#include "server/service_runner.h"

ABSL_FLAG(std::string, sub, "", "mint-token: the token's subject (owner)");
ABSL_FLAG(bool, admin, false, "mint-token: grant the admin claim");
ABSL_FLAG(absl::Duration, ttl, absl::Hours(1), "mint-token: lifetime");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "sandboxd: AI-generated web apps as isolated NextJS sandboxes with live "
      "previews.\nUsage: sandboxd [--grpc_addr=...] [--http_addr=...] "
      "[--data_dir=...] [--provider=local|daytona]\n"
      "       sandboxd mint-token --data_dir=DIR --sub=NAME [--admin] "
      "[--ttl=1h]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  sandboxd::ServiceConfig config = sandboxd::ServiceConfigFromFlags();
  if (args.size() > 1 && std::string(args[1]) == "mint-token") {
    if (absl::GetFlag(FLAGS_sub).empty()) {
      std::cerr << "sandboxd mint-token: --sub is required\n";
      return 2;
    }
    absl::StatusOr<std::string> token = sandboxd::MintToken(
        config, absl::GetFlag(FLAGS_sub), absl::GetFlag(FLAGS_admin),
        absl::GetFlag(FLAGS_ttl));
    if (!token.ok()) {
      std::cerr << "sandboxd mint-token: " << token.status() << "\n";
      return 1;
    }
    std::cout << *token << "\n";
    return 0;
  }
  if (args.size() > 1) {
    std::cerr << "sandboxd: unknown command \"" << args[1]
              << "\" (try --help)\n";
    return 2;
  }
  return sandboxd::RunService(
      config, [](const sandboxd::ServiceConfig& c,
                 std::shared_ptr<const std::atomic<int>> http_port) {
        // Local preview URLs carry the HTTP front's port.
        return sandboxd::MakeProvider(sandboxd::ProviderConfig{
            .name = c.provider,
            .data_dir = c.data_dir,
            .http_port = http_port,
            .preview_domain = c.preview_domain,
            .npm_cache_dir = c.local_npm_cache,
            .warm_pool_size = c.warm_pool_size,
            .cgroup_v2_parent = c.local_cgroup_v2_parent,
            .npm_registry = c.local_npm_registry});
      });
}
