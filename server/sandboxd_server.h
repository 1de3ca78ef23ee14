// SandboxServer: the running service. Builds the gRPC server (callback
// SandboxService, reflection, health, the RPC observer) and the HTTP front
// (ops endpoints), and drains both on shutdown. main.cc wires it.
#ifndef SANDBOXD_SERVER_SANDBOXD_SERVER_H_
#define SANDBOXD_SERVER_SANDBOXD_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "lib/core/sandbox_manager.h"
#include "lib/http/http_server.h"
#include "lib/http/preview_proxy.h"
#include "lib/metrics/metrics_registry.h"
#include "server/sandbox_service.h"
#include "server/tls_config.h"
#include "server/watch_reactor.h"

namespace sandboxd {

struct SandboxServerOptions {
  std::string grpc_addr = "127.0.0.1:50051";
  std::string http_addr = "127.0.0.1:8080";
  // The upload limit; gRPC message limits are derived from it.
  size_t max_upload_bytes = 100 * 1024 * 1024;
  bool log_rpcs = true;
  CallerResolver callers = AnonymousCallers();
  int http_threads = 2;
  // Origins whose browsers may call the REST API (CORS); none by default.
  std::vector<std::string> cors_allowed_origins;
  // Concurrent calls per gRPC connection (WatchBuild streams included).
  int max_concurrent_streams = 2000;
  // Serves `{id}.{preview_domain}` through the preview proxy when set.
  std::shared_ptr<PreviewBackend> preview;
  std::string preview_domain = "preview.localhost";
  // Private previews: tokens in Create/Get's preview URLs, checked by the
  // proxy. Null: bare URLs, and every private preview is refused.
  std::shared_ptr<const auth::PreviewTokens> preview_tokens;
  bool preview_secure_cookie = true;  // see PreviewSetCookie
  // Set: gRPC and the HTTP front speak TLS (mutual TLS per its client CAs);
  // unset: plaintext, for loopback or behind a TLS-terminating proxy only.
  std::optional<TlsConfig> tls;
  // Deadline cap: Create with wait_until_ready waits at most this long,
  // whatever the client's deadline (then DEADLINE_EXCEEDED; follow the build
  // with WatchBuild). The other unary calls do not wait on the client.
  absl::Duration max_rpc_deadline = absl::Minutes(10);
  // A WatchBuild stream open this long ends with UNAVAILABLE and the
  // after_sequence to resume from.
  absl::Duration max_watch_duration = absl::Minutes(30);
};

// Thread-safe.
class SandboxServer {
 public:
  // Starts serving. `manager` and `metrics` must outlive the server.
  // UNAVAILABLE if an address cannot be bound.
  static absl::StatusOr<std::unique_ptr<SandboxServer>> Start(
      SandboxServerOptions options, SandboxManager* manager,
      MetricsRegistry* metrics);
  ~SandboxServer();

  int grpc_port() const { return grpc_port_; }
  int http_port() const;

  // Graceful shutdown, idempotent: health and /readyz report NOT_SERVING,
  // WatchBuild streams end with UNAVAILABLE (and the sequence to resume
  // from), running builds stop and are recorded as interrupted, in-flight
  // calls get until `deadline` to finish, then both listeners close.
  void Drain(absl::Duration deadline);

  // Blocks until Drain has completed.
  void Wait();

 private:
  SandboxServer() = default;

  SandboxManager* manager_ = nullptr;
  std::unique_ptr<WatchRegistry> watches_;
  std::unique_ptr<SandboxService> service_;
  std::unique_ptr<grpc::Server> grpc_;
  std::unique_ptr<HttpServer> http_;
  int grpc_port_ = 0;
  std::shared_ptr<std::atomic<bool>> ready_ =
      std::make_shared<std::atomic<bool>>(false);

  absl::Mutex mu_;
  bool drained_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sandboxd

#endif  // SANDBOXD_SERVER_SANDBOXD_SERVER_H_
