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
ABSL_FLAG(int, build_workers, 2, "Builds that run at once");
ABSL_FLAG(int, max_queued_builds, 1000, "Builds that may wait in the queue");
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
ABSL_FLAG(std::string, local_npm_cache, "",
          "npm cache shared by the local provider's install sandboxes "
          "(default DATA_DIR/local/npm-cache)");
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

namespace sandboxd {

ServiceConfig ServiceConfigFromFlags() {
  ServiceConfig config;
  config.grpc_addr = absl::GetFlag(FLAGS_grpc_addr);
  config.http_addr = absl::GetFlag(FLAGS_http_addr);
  config.data_dir = absl::GetFlag(FLAGS_data_dir);
  config.provider = absl::GetFlag(FLAGS_provider);
  config.preview_domain = absl::GetFlag(FLAGS_preview_domain);
  config.build_workers = absl::GetFlag(FLAGS_build_workers);
  config.max_queued_builds = absl::GetFlag(FLAGS_max_queued_builds);
  config.max_upload_bytes =
      size_t{1024} * 1024 *
      static_cast<size_t>(absl::GetFlag(FLAGS_max_upload_mb));
  config.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  config.reconcile_interval = absl::GetFlag(FLAGS_reconcile_interval);
  config.reap_interval = absl::GetFlag(FLAGS_reap_interval);
  config.min_idle_timeout = absl::GetFlag(FLAGS_min_idle_timeout);
  config.local_npm_cache = absl::GetFlag(FLAGS_local_npm_cache);
  config.cors_allowed_origins = absl::GetFlag(FLAGS_cors_allowed_origins);
  config.log_rpcs = absl::GetFlag(FLAGS_log_rpcs);
  config.insecure_no_auth = absl::GetFlag(FLAGS_insecure_no_auth);
  config.auth_alg = absl::GetFlag(FLAGS_auth_alg);
  config.auth_key_file = absl::GetFlag(FLAGS_auth_key_file);
  config.auth_jwks_file = absl::GetFlag(FLAGS_auth_jwks_file);
  config.auth_issuer = absl::GetFlag(FLAGS_auth_issuer);
  config.auth_audience = absl::GetFlag(FLAGS_auth_audience);
  return config;
}

}  // namespace sandboxd
