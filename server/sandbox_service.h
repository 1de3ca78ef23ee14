// sandbox.v1.SandboxService on the gRPC callback API. Validates the call's
// shape, resolves the caller, calls SandboxManager and converts statuses;
// no business rules live here.
#ifndef SANDBOXD_SERVER_SANDBOX_SERVICE_H_
#define SANDBOXD_SERVER_SANDBOX_SERVICE_H_

#include <functional>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "lib/common/thread_pool.h"
#include "lib/core/caller.h"
#include "lib/core/sandbox_manager.h"
#include "sandbox/v1/sandbox.grpc.pb.h"
#include "server/preview_links.h"
#include "server/watch_reactor.h"

namespace sandboxd {

// Turns a call's credentials into a Caller; UNAUTHENTICATED if it cannot.
using CallerResolver =
    std::function<absl::StatusOr<Caller>(const grpc::CallbackServerContext&)>;

// Every call is the same anonymous, non-admin owner (no authentication).
CallerResolver AnonymousCallers();

// Thread-safe.
class SandboxService final
    : public sandbox::v1::SandboxService::CallbackService {
 public:
  SandboxService(SandboxManager* manager, CallerResolver callers,
                 WatchRegistry* watches, int blocking_threads = 8,
                 absl::Duration max_rpc_deadline = absl::InfiniteDuration());

  grpc::ServerUnaryReactor* Create(
      grpc::CallbackServerContext* context,
      const sandbox::v1::CreateSandboxRequest* request,
      sandbox::v1::CreateSandboxResponse* response) override;
  grpc::ServerUnaryReactor* Get(
      grpc::CallbackServerContext* context,
      const sandbox::v1::GetSandboxRequest* request,
      sandbox::v1::GetSandboxResponse* response) override;
  grpc::ServerUnaryReactor* Delete(
      grpc::CallbackServerContext* context,
      const sandbox::v1::DeleteSandboxRequest* request,
      sandbox::v1::DeleteSandboxResponse* response) override;
  grpc::ServerUnaryReactor* List(
      grpc::CallbackServerContext* context,
      const sandbox::v1::ListSandboxesRequest* request,
      sandbox::v1::ListSandboxesResponse* response) override;
  grpc::ServerUnaryReactor* ApplyFiles(
      grpc::CallbackServerContext* context,
      const sandbox::v1::ApplyFilesRequest* request,
      sandbox::v1::ApplyFilesResponse* response) override;
  grpc::ServerWriteReactor<sandbox::v1::BuildEvent>* WatchBuild(
      grpc::CallbackServerContext* context,
      const sandbox::v1::WatchBuildRequest* request) override;

  // Create, ApplyFiles and Get answer with OwnerUrl preview URLs. Call
  // before the service is registered; without it they answer the bare URL.
  void set_preview_links(std::shared_ptr<const PreviewLinks> links) {
    preview_links_ = std::move(links);
  }

 private:
  SandboxManager* const manager_;
  const CallerResolver callers_;
  WatchRegistry* const watches_;
  // Caps Create's wait_until_ready and ApplyFiles' wait_until_applied
  // (SettleReactor::CapWait).
  const absl::Duration max_rpc_deadline_;
  std::shared_ptr<const PreviewLinks> preview_links_;
  // Blocking work (Create assembles and stores up to 100 MB; Delete waits
  // for the provider) runs here, never on gRPC's threads.
  ThreadPool blocking_;
};

}  // namespace sandboxd

#endif  // SANDBOXD_SERVER_SANDBOX_SERVICE_H_
