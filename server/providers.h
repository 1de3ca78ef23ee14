// Builds the Provider that --provider names. main.cc calls it once.
#ifndef SANDBOXD_SERVER_PROVIDERS_H_
#define SANDBOXD_SERVER_PROVIDERS_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "lib/provider/provider.h"

namespace sandboxd {

struct ProviderConfig {
  std::string name;      // "local" or "daytona"
  std::string data_dir;  // sandboxd's --data_dir
  // The HTTP front's port, for local preview URLs (set once it is bound).
  std::shared_ptr<const std::atomic<int>> http_port;
  std::string preview_domain = "preview.localhost";
  std::string npm_cache_dir;  // local: empty means under data_dir
  int warm_pool_size = 0;     // local: pooled DEV sandboxes per Tailwind major
  std::string cgroup_v2_parent;  // local: a delegated cgroup v2 directory
  std::string npm_registry;      // local: empty means the public registry
};

// INVALID_ARGUMENT for an unknown name; FAILED_PRECONDITION (saying what is
// missing) when the provider cannot run on this host or is not configured.
absl::StatusOr<std::unique_ptr<Provider>> MakeProvider(
    const ProviderConfig& config);

}  // namespace sandboxd

#endif  // SANDBOXD_SERVER_PROVIDERS_H_
