// sandboxd's flags. Only the binaries' main() parse them (STYLE.md: flags are
// read in main only); lib/ never sees a flag.
#include "absl/flags/flag.h"
#include "server/service_runner.h"

ABSL_FLAG(std::string, grpc_addr, "127.0.0.1:50051",
          "gRPC listen address, host:port (port 0 picks a free one)");
ABSL_FLAG(std::string, http_addr, "127.0.0.1:8080",
          "HTTP front listen address: REST API, previews, /healthz, /readyz, "
          "/metrics");
ABSL_FLAG(std::string, data_dir, "sandboxd-data",
          "State directory: the SQLite store and local sandboxes");
ABSL_FLAG(std::string, provider, "local",
          "Where sandboxes run: local (bubblewrap on this host) or daytona");
ABSL_FLAG(std::string, preview_domain, "preview.localhost",
          "Base domain of local preview URLs: http://{id}.DOMAIN:PORT/");
ABSL_FLAG(absl::Duration, preview_token_ttl, absl::Minutes(10),
          "Lifetime of the token in the preview URLs Get and Create return");
ABSL_FLAG(absl::Duration, preview_cookie_ttl, absl::Hours(24),
          "Lifetime of the preview cookie a preview URL's token is traded for");
ABSL_FLAG(bool, preview_secure_cookie, true,
          "Preview cookies are SameSite=None; Secure (previews work in "
          "iframes; needs https or *.localhost). false: SameSite=Lax, for "
          "plain-http preview domains (no cross-site iframes)");
ABSL_FLAG(int, build_workers, 2, "Builds that run at once");
ABSL_FLAG(int, warm_workers, 4,
          "Creates that take a pre-started sandbox from the warm pool at "
          "once, apart from --build_workers");
ABSL_FLAG(int, max_queued_builds, 1000, "Builds that may wait in the queue");
ABSL_FLAG(int, max_sandboxes_per_owner, sandboxd::QuotaLimits{}.max_sandboxes,
          "Sandboxes an owner may keep (every status but DELETED); 0: no "
          "limit");
ABSL_FLAG(int, max_creates_per_minute,
          sandboxd::QuotaLimits{}.max_creates_per_minute,
          "Creates an owner may make per minute (a burst of this many, then "
          "evenly spread); 0: no limit");
ABSL_FLAG(int, max_builds_per_owner, sandboxd::QuotaLimits{}.max_builds,
          "Builds an owner may have queued or running; 0: no limit");
ABSL_FLAG(int, max_upload_mb, 100,
          "Largest accepted upload (generated code) per request, in MB");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(20),
          "On SIGTERM/SIGINT, how long in-flight calls get to finish");
ABSL_FLAG(absl::Duration, reconcile_interval, absl::Minutes(2),
          "How often the store is reconciled with the provider");
ABSL_FLAG(absl::Duration, reap_interval, absl::Seconds(15),
          "How often idle sandboxes are looked for (and stopped)");
ABSL_FLAG(absl::Duration, min_idle_timeout, absl::Minutes(1),
          "Smallest idle_timeout a Create may ask for");
ABSL_FLAG(int, warm_pool_size, 1,
          "Local provider: pre-started DEV sandboxes kept ready per Tailwind "
          "major (3 and 4), so a fitting Create is served in under a second; "
          "each costs an idle next dev (~250-450 MB). 0 disables the pool");
ABSL_FLAG(std::string, local_npm_cache, "",
          "npm cache shared by the local provider's install sandboxes "
          "(default DATA_DIR/local/npm-cache)");
ABSL_FLAG(std::string, local_npm_registry, "https://registry.npmjs.org/",
          "Local provider: the npm registry (https) dependency installs use; "
          "install sandboxes can reach its host and port and nothing else");
ABSL_FLAG(std::string, local_cgroup_v2_parent, "",
          "Local provider on a pure cgroup v2 host, or unprivileged: the "
          "delegated cgroup v2 directory (writable by sandboxd) under which "
          "sandbox cgroups are created. Unprivileged without it, memory, pids "
          "and CPU limits are not enforced (a warning at start)");
ABSL_FLAG(std::vector<std::string>, cors_allowed_origins, {},
          "Comma-separated origins (e.g. https://app.example.com) whose "
          "browsers may call the REST API; none by default");
ABSL_FLAG(bool, log_rpcs, true, "Write one JSON log line per RPC to stderr");
ABSL_FLAG(bool, insecure_no_auth, false,
          "Accept calls without a token (every caller is one anonymous owner); "
          "only with loopback listen addresses");
ABSL_FLAG(std::string, auth_alg, "HS256",
          "The only JWT algorithm accepted: HS256, RS256 or ES256");
ABSL_FLAG(std::string, auth_key_file, "",
          "HS256: file holding the shared secret (mode 0600); RS256/ES256: a "
          "PEM public key. Empty with HS256: a secret generated in "
          "DATA_DIR/auth on first start");
ABSL_FLAG(std::string, auth_jwks_file, "",
          "RS256/ES256: a JWKS file; tokens name their key with `kid`");
ABSL_FLAG(std::string, auth_issuer, "sandboxd", "Required `iss` of tokens");
ABSL_FLAG(std::string, auth_audience, "sandboxd", "Required `aud` of tokens");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain: gRPC and the HTTP front speak TLS. Without "
          "it both are plaintext: only for loopback or behind a "
          "TLS-terminating proxy");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key (unencrypted) of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA certificates: gRPC clients must present a certificate they "
          "issued (mutual TLS, for service-to-service calls)");
ABSL_FLAG(std::string, http_tls_client_ca_file, "",
          "PEM CA certificates: HTTP clients (REST, previews, /metrics) must "
          "present a certificate they issued. Separate from "
          "--tls_client_ca_file because browsers open previews");
ABSL_FLAG(absl::Duration, max_rpc_deadline, absl::Minutes(10),
          "Deadline cap: Create with wait_until_ready waits at most this "
          "long, whatever the client's deadline (then DEADLINE_EXCEEDED)");
ABSL_FLAG(absl::Duration, max_watch_duration, absl::Minutes(30),
          "A WatchBuild stream open this long ends with UNAVAILABLE and the "
          "after_sequence to resume from");

namespace sandboxd {

ServiceConfig ServiceConfigFromFlags() {
  ServiceConfig config;
  config.grpc_addr = absl::GetFlag(FLAGS_grpc_addr);
  config.http_addr = absl::GetFlag(FLAGS_http_addr);
  config.data_dir = absl::GetFlag(FLAGS_data_dir);
  config.provider = absl::GetFlag(FLAGS_provider);
  config.preview_domain = absl::GetFlag(FLAGS_preview_domain);
  config.preview_token_ttl = absl::GetFlag(FLAGS_preview_token_ttl);
  config.preview_cookie_ttl = absl::GetFlag(FLAGS_preview_cookie_ttl);
  config.preview_secure_cookie = absl::GetFlag(FLAGS_preview_secure_cookie);
  config.build_workers = absl::GetFlag(FLAGS_build_workers);
  config.warm_workers = absl::GetFlag(FLAGS_warm_workers);
  config.max_queued_builds = absl::GetFlag(FLAGS_max_queued_builds);
  config.quotas.max_sandboxes = absl::GetFlag(FLAGS_max_sandboxes_per_owner);
  config.quotas.max_creates_per_minute =
      absl::GetFlag(FLAGS_max_creates_per_minute);
  config.quotas.max_builds = absl::GetFlag(FLAGS_max_builds_per_owner);
  config.max_upload_bytes =
      size_t{1024} * 1024 *
      static_cast<size_t>(absl::GetFlag(FLAGS_max_upload_mb));
  config.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  config.reconcile_interval = absl::GetFlag(FLAGS_reconcile_interval);
  config.reap_interval = absl::GetFlag(FLAGS_reap_interval);
  config.min_idle_timeout = absl::GetFlag(FLAGS_min_idle_timeout);
  config.local_npm_cache = absl::GetFlag(FLAGS_local_npm_cache);
  config.local_cgroup_v2_parent = absl::GetFlag(FLAGS_local_cgroup_v2_parent);
  config.local_npm_registry = absl::GetFlag(FLAGS_local_npm_registry);
  config.warm_pool_size = absl::GetFlag(FLAGS_warm_pool_size);
  config.cors_allowed_origins = absl::GetFlag(FLAGS_cors_allowed_origins);
  config.log_rpcs = absl::GetFlag(FLAGS_log_rpcs);
  config.insecure_no_auth = absl::GetFlag(FLAGS_insecure_no_auth);
  config.auth_alg = absl::GetFlag(FLAGS_auth_alg);
  config.auth_key_file = absl::GetFlag(FLAGS_auth_key_file);
  config.auth_jwks_file = absl::GetFlag(FLAGS_auth_jwks_file);
  config.auth_issuer = absl::GetFlag(FLAGS_auth_issuer);
  config.auth_audience = absl::GetFlag(FLAGS_auth_audience);
  config.max_rpc_deadline = absl::GetFlag(FLAGS_max_rpc_deadline);
  config.max_watch_duration = absl::GetFlag(FLAGS_max_watch_duration);
  config.tls.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  config.tls.key_file = absl::GetFlag(FLAGS_tls_key_file);
  config.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  config.tls.http_client_ca_file = absl::GetFlag(FLAGS_http_tls_client_ca_file);
  return config;
}

}  // namespace sandboxd
