#include "server/service_runner.h"

#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/core/sandbox_manager.h"
#include "lib/metrics/metrics_registry.h"
#include "lib/store/sqlite_store.h"
#include "server/auth_setup.h"
#include "server/preview_backend.h"
#include "server/sandboxd_server.h"

namespace sandboxd {
namespace {

int Fail(const std::string& message) {
  std::cerr << "sandboxd: " << message << std::endl;
  return 1;
}

}  // namespace

int RunService(const ServiceConfig& config, const ProviderFactory& providers) {
  // Signals are taken synchronously by sigwait below; every thread started
  // from here on inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return Fail(
        absl::StrCat("--data_dir ", config.data_dir, ": ", ec.message()));
  }
  SqliteStoreOptions store_options;
  store_options.path = config.data_dir + "/sandboxd.db";
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(store_options);
  if (!store.ok()) return Fail(store.status().ToString());

  absl::StatusOr<CallerResolver> callers =
      MakeCallerResolver(config, std::cout);
  if (!callers.ok()) return Fail(callers.status().ToString());
  if (config.insecure_no_auth) {
    std::cerr << "sandboxd: WARNING: --insecure_no_auth: calls are not "
                 "authenticated; every caller is the same anonymous owner"
              << std::endl;
  }

  absl::StatusOr<std::optional<TlsConfig>> tls = LoadTlsConfig(config.tls);
  if (!tls.ok()) return Fail(tls.status().ToString());
  if (!tls->has_value() && (!IsLoopbackAddress(config.grpc_addr) ||
                            !IsLoopbackAddress(config.http_addr))) {
    std::cerr << "sandboxd: WARNING: listening on a non-loopback address "
                 "without TLS: tokens and code travel in clear text; set "
                 "--tls_cert_file and --tls_key_file unless a TLS-terminating "
                 "proxy is in front"
              << std::endl;
  }

  // Preview URLs carry the HTTP front's port: the one --http_addr names,
  // then the one bound (which differs when it names port 0).
  auto http_port = std::make_shared<std::atomic<int>>(0);
  {
    int named = 0;
    if (absl::SimpleAtoi(absl::string_view(config.http_addr)
                             .substr(config.http_addr.rfind(':') + 1),
                         &named)) {
      http_port->store(named);
    }
  }
  absl::StatusOr<std::unique_ptr<Provider>> provider =
      providers(config, http_port);
  if (!provider.ok() && !absl::IsFailedPrecondition(provider.status())) {
    return Fail(provider.status().ToString());
  }
  if (!provider.ok()) {
    std::cerr << "sandboxd: WARNING: no sandbox provider: "
              << provider.status().message()
              << "; Create answers FAILED_PRECONDITION until one is available"
              << std::endl;
  }

  if (config.build_workers < 1 || config.build_workers > 64) {
    return Fail("--build_workers must be between 1 and 64");
  }
  if (config.warm_workers < 1 || config.warm_workers > 64) {
    return Fail("--warm_workers must be between 1 and 64");
  }
  MetricsRegistry metrics;
  ManagerOptions manager_options;
  manager_options.build_workers = config.build_workers;
  manager_options.warm_workers = config.warm_workers;
  manager_options.max_queued_builds = config.max_queued_builds;
  manager_options.quotas = config.quotas;
  manager_options.reconcile_interval = config.reconcile_interval;
  manager_options.reap_interval = config.reap_interval;
  manager_options.limits.min_idle_timeout = config.min_idle_timeout;
  manager_options.scaffold_limits.max_total_bytes = config.max_upload_bytes;
  SandboxManager manager(store->get(),
                         provider.ok() ? provider->get() : nullptr,
                         MakeSystemClock(), &metrics, manager_options);
  // Before serving: interrupted builds resume and stale records are fixed,
  // so no client ever sees a build that nobody runs.
  if (absl::Status s = manager.Reconcile(); !s.ok()) {
    std::cerr << "sandboxd: start-up reconciliation: " << s << std::endl;
  }
  manager.StartBackgroundTasks();

  SandboxServerOptions server_options;
  server_options.grpc_addr = config.grpc_addr;
  server_options.http_addr = config.http_addr;
  server_options.max_upload_bytes = config.max_upload_bytes;
  server_options.log_rpcs = config.log_rpcs;
  server_options.callers = *std::move(callers);
  server_options.preview_domain = config.preview_domain;
  absl::StatusOr<std::shared_ptr<const auth::PreviewTokens>> preview_tokens =
      MakePreviewTokens(config);
  if (!preview_tokens.ok()) return Fail(preview_tokens.status().ToString());
  server_options.preview_tokens = *std::move(preview_tokens);
  server_options.preview_secure_cookie = config.preview_secure_cookie;
  server_options.cors_allowed_origins = config.cors_allowed_origins;
  server_options.tls = *std::move(tls);
  server_options.max_rpc_deadline = config.max_rpc_deadline;
  server_options.max_watch_duration = config.max_watch_duration;
  if (provider.ok()) {
    server_options.preview =
        std::make_shared<ManagerPreviewBackend>(&manager, provider->get());
  }
  absl::StatusOr<std::unique_ptr<SandboxServer>> server =
      SandboxServer::Start(server_options, &manager, &metrics);
  if (!server.ok()) return Fail(server.status().ToString());
  http_port->store((*server)->http_port());
  std::cerr << "sandboxd: serving gRPC on 127.0.0.1:" << (*server)->grpc_port()
            << " and HTTP on port " << (*server)->http_port() << ", provider "
            << (provider.ok() ? std::string((*provider)->name()) : "none")
            << ", data in " << config.data_dir << std::endl;
  // Machine-readable for scripts and tests that start sandboxd on port 0.
  std::cout << "LISTENING grpc=" << (*server)->grpc_port()
            << " http=" << (*server)->http_port() << std::endl;

  int signal = 0;
  sigwait(&signals, &signal);
  std::cerr << "sandboxd: " << strsignal(signal) << ": draining" << std::endl;
  (*server)->Drain(config.drain_timeout);
  std::cerr << "sandboxd: stopped" << std::endl;
  return 0;
}

}  // namespace sandboxd
