// Runs sandboxd until SIGTERM/SIGINT: opens the store, builds the provider,
// the manager and the servers, reconciles, serves, drains. Shared by the
// sandboxd binary (server/main.cc) and the fake-provider test build
// (tests/integration/), which differ only in their provider.
#ifndef SANDBOXD_SERVER_SERVICE_RUNNER_H_
#define SANDBOXD_SERVER_SERVICE_RUNNER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/core/owner_quotas.h"
#include "lib/provider/provider.h"
#include "server/tls_config.h"

namespace sandboxd {

struct ServiceConfig {
  std::string grpc_addr = "127.0.0.1:50051";
  std::string http_addr = "127.0.0.1:8080";
  std::string data_dir = "sandboxd-data";
  std::string provider = "local";
  std::string preview_domain = "preview.localhost";
  // Private previews (lib/auth/preview_token.h).
  absl::Duration preview_token_ttl = absl::Minutes(10);
  absl::Duration preview_cookie_ttl = absl::Hours(24);
  bool preview_secure_cookie = true;
  int build_workers = 2;
  int warm_workers = 4;
  int max_queued_builds = 1000;
  QuotaLimits quotas;  // per owner
  size_t max_upload_bytes = 100 * 1024 * 1024;
  absl::Duration drain_timeout = absl::Seconds(20);
  absl::Duration reconcile_interval = absl::Minutes(2);
  absl::Duration reap_interval = absl::Seconds(15);
  absl::Duration min_idle_timeout = absl::Minutes(1);
  std::string local_npm_cache;  // empty: DATA_DIR/local/npm-cache
  std::string local_cgroup_v2_parent;
  std::string local_npm_registry;
  int warm_pool_size = 1;  // local: pooled DEV sandboxes per Tailwind major
  std::vector<std::string> cors_allowed_origins;
  bool log_rpcs = true;
  // Authentication (see server/auth_setup.h).
  bool insecure_no_auth = false;
  std::string auth_alg = "HS256";
  std::string auth_key_file;   // HS256 secret or RS256/ES256 public key PEM
  std::string auth_jwks_file;  // RS256/ES256 keys selected by `kid`
  std::string auth_issuer = "sandboxd";
  std::string auth_audience = "sandboxd";
  // Deadline cap and WatchBuild stream cap (see SandboxServerOptions).
  absl::Duration max_rpc_deadline = absl::Minutes(10);
  absl::Duration max_watch_duration = absl::Minutes(30);
  // TLS of both listeners (see server/tls_config.h); all empty: plaintext.
  TlsFiles tls;
};

// The service's flags (defined in service_flags.cc), read after
// absl::ParseCommandLine.
ServiceConfig ServiceConfigFromFlags();

// Makes the provider once the data directory exists. A FAILED_PRECONDITION
// starts sandboxd without a provider (reads work, Create says why it cannot);
// any other error stops start-up. `http_port` is the HTTP front's port for
// preview URLs: the provider is made before the front listens, and
// --http_addr may ask for port 0, so the value is published once it is bound
// (until then, the port --http_addr names).
using ProviderFactory = std::function<absl::StatusOr<std::unique_ptr<Provider>>(
    const ServiceConfig&, std::shared_ptr<const std::atomic<int>> http_port)>;

// Blocks until SIGTERM or SIGINT, then drains. Returns the exit code.
int RunService(const ServiceConfig& config, const ProviderFactory& providers);

}  // namespace sandboxd

#endif  // SANDBOXD_SERVER_SERVICE_RUNNER_H_
