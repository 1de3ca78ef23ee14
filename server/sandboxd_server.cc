#include "server/sandboxd_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "lib/http/ops_routes.h"
#include "lib/http/rest_transcoder.h"
#include "sandbox/v1/sandbox_openapi.h"
#include "server/rpc_observer.h"

namespace sandboxd {
namespace {

constexpr char kServiceName[] = "sandbox.v1.SandboxService";
// Room for the request's other fields and protobuf framing beyond the files.
constexpr size_t kMessageOverhead = 4 * 1024 * 1024;

}  // namespace

absl::StatusOr<std::unique_ptr<SandboxServer>> SandboxServer::Start(
    SandboxServerOptions options, SandboxManager* manager,
    MetricsRegistry* metrics) {
  std::unique_ptr<SandboxServer> server(new SandboxServer());
  server->manager_ = manager;
  server->watches_ = std::make_unique<WatchRegistry>(
      metrics == nullptr ? nullptr
                         : metrics->AddGauge("sandboxd_watchers",
                                             "Open WatchBuild streams", {}),
      options.max_watch_duration);
  server->service_ = std::make_unique<SandboxService>(
      manager, std::move(options.callers), server->watches_.get(),
      /*blocking_threads=*/8, options.max_rpc_deadline);
  server->service_->set_preview_links(std::make_shared<PreviewLinks>(
      options.preview_tokens, options.preview_domain));

  // Debian's linker drops an unreferenced libgrpc++_reflection (--as-needed);
  // calling the plugin's initializer keeps reflection in the binary.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.grpc_addr,
                           MakeGrpcServerCredentials(options.tls),
                           &server->grpc_port_);
  builder.RegisterService(server->service_.get());
  const int max_message =
      static_cast<int>(options.max_upload_bytes + kMessageOverhead);
  builder.SetMaxReceiveMessageSize(max_message);
  builder.SetMaxSendMessageSize(max_message);
  // Hardening: clients may ping at most every 10 s without data (more is a
  // strike; two strikes close the connection), and one connection carries
  // at most this many concurrent calls.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_concurrent_streams);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(MakeRpcObserverInterceptor(
      std::make_shared<RpcObserver>(metrics, options.log_rpcs)));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server->grpc_ = builder.BuildAndStart();
  if (server->grpc_ == nullptr || server->grpc_port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for gRPC on ", options.grpc_addr));
  }
  grpc::HealthCheckServiceInterface* health =
      server->grpc_->GetHealthCheckService();
  health->SetServingStatus(kServiceName, true);

  auto router = std::make_shared<Router>();
  std::shared_ptr<std::atomic<bool>> ready = server->ready_;
  AddOpsRoutes(*router, metrics, [ready] { return ready->load(); });
  if (options.preview != nullptr) {
    PreviewOptions preview_options;
    preview_options.base_domain = options.preview_domain;
    preview_options.tokens = options.preview_tokens;
    preview_options.secure_cookie = options.preview_secure_cookie;
    AddPreviewRoutes(*router, options.preview, preview_options);
  }
  // REST (grpc-gateway v2 mapping) over the in-process channel, so REST calls
  // take the same path (interceptors) as gRPC calls.
  {
    grpc::ChannelArguments channel_args;
    channel_args.SetMaxReceiveMessageSize(max_message);
    channel_args.SetMaxSendMessageSize(max_message);
    RestOptions rest_options;
    rest_options.openapi_json = sandbox::v1::kOpenApiJson;
    rest_options.cors_allowed_origins = options.cors_allowed_origins;
    absl::Status rest = AddRestRoutes(
        *router, server->grpc_->InProcessChannel(channel_args), rest_options);
    if (!rest.ok()) {
      server->grpc_->Shutdown();
      return rest;
    }
  }
  HttpServerOptions http_options;
  http_options.address = options.http_addr;
  http_options.io_threads = options.http_threads;
  http_options.max_body_bytes = options.max_upload_bytes + kMessageOverhead;
  if (options.tls.has_value()) {
    http_options.tls = HttpTlsOptions{options.tls->cert_chain_pem,
                                      options.tls->private_key_pem,
                                      options.tls->http_client_ca_pem};
  }
  absl::StatusOr<std::unique_ptr<HttpServer>> http =
      HttpServer::Start(http_options, router);
  if (!http.ok()) {
    server->grpc_->Shutdown();
    return http.status();
  }
  server->http_ = *std::move(http);
  server->ready_->store(true);
  return server;
}

SandboxServer::~SandboxServer() { Drain(absl::Seconds(5)); }

int SandboxServer::http_port() const { return http_->port(); }

void SandboxServer::Drain(absl::Duration deadline) {
  {
    absl::MutexLock lock(&mu_);
    if (drained_) return;
    drained_ = true;
  }
  const absl::Time until = absl::Now() + deadline;
  ready_->store(false);
  grpc_->GetHealthCheckService()->SetServingStatus(false);
  watches_->DrainAll();
  manager_->Shutdown();
  grpc_->Shutdown(absl::ToChronoTime(until));
  http_->Shutdown(std::max(until - absl::Now(), absl::ZeroDuration()));
}

void SandboxServer::Wait() {
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&drained_));
  }
  grpc_->Wait();
}

}  // namespace sandboxd
