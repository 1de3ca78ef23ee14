#include "server/providers.h"

#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/daytona/daytona_provider.h"
#include "lib/local/local_provider.h"

namespace sandboxd {

absl::StatusOr<std::unique_ptr<Provider>> MakeProvider(
    const ProviderConfig& config) {
  if (config.name == "daytona") {
    absl::StatusOr<std::unique_ptr<Provider>> provider =
        daytona::MakeDaytonaProviderFromEnv();
    if (!provider.ok())
      return Annotate(provider.status(), "--provider=daytona");
    return provider;
  }
  if (config.name == "local") {
    if (config.warm_pool_size < 0 || config.warm_pool_size > 64) {
      return absl::InvalidArgumentError("--warm_pool_size: must be 0-64");
    }
    local::LocalProviderOptions options;
    options.root_dir = config.data_dir + "/local";
    options.preview_base_domain = config.preview_domain;
    if (config.http_port != nullptr) {
      options.preview_http_port = config.http_port;
    }
    options.npm_cache_dir = config.npm_cache_dir;
    options.cgroup_v2_parent = config.cgroup_v2_parent;
    if (!config.npm_registry.empty()) {
      options.npm_registry = config.npm_registry;
    }
    options.warm_pool.size_per_profile = config.warm_pool_size;
    absl::StatusOr<std::unique_ptr<local::LocalProvider>> provider =
        local::MakeLocalProvider(options);
    // FAILED_PRECONDITION (the host cannot isolate) keeps sandboxd up
    // without a provider: untrusted code never runs unsandboxed.
    if (!provider.ok()) return Annotate(provider.status(), "--provider=local");
    return std::unique_ptr<Provider>(*std::move(provider));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--provider: unknown provider \"", config.name,
                   "\"; use local or daytona"));
}

}  // namespace sandboxd
