#include "server/sandbox_service.h"

#include <functional>
#include <memory>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "grpcpp/alarm.h"
#include "server/status_bridge.h"

namespace sandboxd {
namespace {

using ::sandbox::v1::CreateSandboxRequest;
using ::sandbox::v1::CreateSandboxResponse;
using ::sandbox::v1::Sandbox;

bool Settled(const Sandbox& sandbox) {
  switch (sandbox.status()) {
    case sandbox::v1::SANDBOX_STATUS_PENDING:
    case sandbox::v1::SANDBOX_STATUS_BUILDING:
      return false;
    default:
      return true;
  }
}

// The owner's view of the sandbox: its preview URL carries a fresh token.
void Fill(Sandbox sandbox, const PreviewLinks* links,
          CreateSandboxResponse* response) {
  if (links != nullptr) sandbox.set_preview_url(links->OwnerUrl(sandbox));
  response->set_success(
      sandbox.status() != sandbox::v1::SANDBOX_STATUS_FAILED &&
      sandbox.status() != sandbox::v1::SANDBOX_STATUS_DELETED &&
      sandbox.status() != sandbox::v1::SANDBOX_STATUS_DELETING);
  response->set_sandbox_id(sandbox.sandbox_id());
  response->set_preview_url(sandbox.preview_url());
  *response->mutable_sandbox() = std::move(sandbox);
}

// Create and ApplyFiles: runs the call off gRPC's threads and, when asked
// (wait_until_ready, wait_until_applied), waits for the sandbox to settle
// without holding a thread, woken by the EventLog. Owns itself through
// `self_` until OnDone; wake-ups hold weak references.
class SettleReactor final : public grpc::ServerUnaryReactor,
                            public std::enable_shared_from_this<SettleReactor> {
 public:
  // `fill` writes the response from the sandbox's record.
  using Call = std::function<absl::StatusOr<Sandbox>()>;
  using FillResponse = std::function<void(const Sandbox&)>;

  SettleReactor(grpc::CallbackServerContext* context, SandboxManager* manager,
                ThreadPool* pool, Caller caller, FillResponse fill)
      : context_(context),
        manager_(manager),
        pool_(pool),
        caller_(std::move(caller)),
        fill_(std::move(fill)) {}

  // The server's deadline cap (--max_rpc_deadline): a wait with no client
  // deadline, or a longer one, ends after `max_wait` as if its deadline had
  // passed. The alarm's callback can run (with ok false) after the reactor
  // is gone: it holds a weak reference. Call once, after Start.
  void CapWait(absl::Duration max_wait) {
    if (max_wait == absl::InfiniteDuration()) return;
    std::weak_ptr<SettleReactor> weak = weak_from_this();
    max_wait_alarm_.Set(absl::ToChronoTime(absl::Now() + max_wait),
                        [weak](bool ok) {
                          if (!ok) return;
                          if (auto reactor = weak.lock()) reactor->OnCancel();
                        });
  }

  void Start(std::shared_ptr<SettleReactor> self, Call call, bool wait) {
    self_ = std::move(self);
    pool_->Post([this, call = std::move(call), wait, keep = self_] {
      absl::StatusOr<Sandbox> created = call();
      absl::MutexLock lock(&mu_);
      if (!created.ok()) {
        // Trailers only before Finish (OnCancel may have answered already).
        if (!finished_) AddRetryTrailer(created.status(), *context_);
        FinishLocked(ToGrpcStatus(created.status()));
        return;
      }
      fill_(*created);
      sandbox_id_ = created->sandbox_id();
      if (!wait || Settled(*created)) {
        FinishLocked(grpc::Status::OK);
        return;
      }
      WaitLocked(created->last_event_sequence());
    });
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    // The deadline passed or the client left: answer with what we have.
    FinishLocked(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                              "the sandbox did not settle before the call "
                              "ended; follow it with WatchBuild"));
  }
  void OnDone() override { self_.reset(); }

 private:
  void WaitLocked(int64_t after) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::weak_ptr<SettleReactor> weak = weak_from_this();
    ThreadPool* pool = pool_;
    wait_handle_ = manager_->events().Wait(sandbox_id_, after, [weak, pool] {
      // Off the notifier thread: Check reads the store.
      pool->Post([weak] {
        if (auto self = weak.lock()) self->Check();
      });
    });
  }

  void Check() {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    // Activity first: a build marks itself inactive only after its final
    // record is stored, so an inactive sandbox read after it is settled
    // (the other order could answer a BUILDING record).
    const bool active = manager_->events().IsActive(sandbox_id_);
    absl::StatusOr<Sandbox> sandbox = manager_->Peek(caller_, sandbox_id_);
    if (!sandbox.ok()) {
      FinishLocked(ToGrpcStatus(sandbox.status()));
      return;
    }
    if (Settled(*sandbox) || !active) {
      fill_(*sandbox);
      FinishLocked(grpc::Status::OK);
      return;
    }
    WaitLocked(sandbox->last_event_sequence());
  }

  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    if (wait_handle_ != 0)
      manager_->events().CancelWait(sandbox_id_, wait_handle_);
    Finish(status);
  }

  grpc::CallbackServerContext* const context_;
  SandboxManager* const manager_;
  ThreadPool* const pool_;
  const Caller caller_;
  const FillResponse fill_;
  grpc::Alarm max_wait_alarm_;
  std::shared_ptr<SettleReactor> self_;

  absl::Mutex mu_;
  std::string sandbox_id_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t wait_handle_ ABSL_GUARDED_BY(mu_) = 0;
};

// Runs `call` on a SettleReactor that owns itself; with `wait`, the wait
// is capped at `max_wait` (--max_rpc_deadline).
grpc::ServerUnaryReactor* StartSettleReactor(
    grpc::CallbackServerContext* context, SandboxManager* manager,
    ThreadPool* pool, Caller caller, SettleReactor::FillResponse fill,
    SettleReactor::Call call, bool wait, absl::Duration max_wait) {
  auto reactor = std::make_shared<SettleReactor>(
      context, manager, pool, std::move(caller), std::move(fill));
  reactor->Start(reactor, std::move(call), wait);
  if (wait) reactor->CapWait(max_wait);
  return reactor.get();
}

}  // namespace

CallerResolver AnonymousCallers() {
  return [](const grpc::CallbackServerContext&) -> absl::StatusOr<Caller> {
    return Caller{.owner = "anonymous", .admin = false};
  };
}

SandboxService::SandboxService(SandboxManager* manager, CallerResolver callers,
                               WatchRegistry* watches, int blocking_threads,
                               absl::Duration max_rpc_deadline)
    : manager_(manager),
      callers_(std::move(callers)),
      watches_(watches),
      max_rpc_deadline_(max_rpc_deadline),
      blocking_(blocking_threads) {}

grpc::ServerUnaryReactor* SandboxService::Create(
    grpc::CallbackServerContext* context, const CreateSandboxRequest* request,
    CreateSandboxResponse* response) {
  absl::StatusOr<Caller> caller = callers_(*context);
  if (!caller.ok()) {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  const PreviewLinks* links = preview_links_.get();
  return StartSettleReactor(
      context, manager_, &blocking_, *caller,
      [links, response](const Sandbox& sandbox) {
        Fill(sandbox, links, response);
      },
      [this, caller = *caller, request] {
        return manager_->Create(caller, *request);
      },
      request->wait_until_ready(), max_rpc_deadline_);
}

grpc::ServerUnaryReactor* SandboxService::ApplyFiles(
    grpc::CallbackServerContext* context,
    const sandbox::v1::ApplyFilesRequest* request,
    sandbox::v1::ApplyFilesResponse* response) {
  absl::StatusOr<Caller> caller = callers_(*context);
  if (!caller.ok()) {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  const PreviewLinks* links = preview_links_.get();
  return StartSettleReactor(
      context, manager_, &blocking_, *caller,
      [links, response](Sandbox sandbox) {
        if (links != nullptr) sandbox.set_preview_url(links->OwnerUrl(sandbox));
        response->set_success(sandbox.status() !=
                              sandbox::v1::SANDBOX_STATUS_FAILED);
        response->set_generation(sandbox.generation());
        *response->mutable_sandbox() = std::move(sandbox);
      },
      [this, caller = *caller, request] {
        return manager_->ApplyFiles(caller, *request);
      },
      request->wait_until_applied(), max_rpc_deadline_);
}

grpc::ServerUnaryReactor* SandboxService::Get(
    grpc::CallbackServerContext* context,
    const sandbox::v1::GetSandboxRequest* request,
    sandbox::v1::GetSandboxResponse* response) {
  auto* reactor = context->DefaultReactor();
  absl::StatusOr<Caller> caller = callers_(*context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  absl::StatusOr<Sandbox> sandbox =
      manager_->Get(*caller, request->sandbox_id());
  if (!sandbox.ok()) {
    reactor->Finish(ToGrpcStatus(sandbox.status()));
    return reactor;
  }
  response->set_success(true);
  if (preview_links_ != nullptr) {
    sandbox->set_preview_url(preview_links_->OwnerUrl(*sandbox));
  }
  *response->mutable_sandbox() = *std::move(sandbox);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* SandboxService::Delete(
    grpc::CallbackServerContext* context,
    const sandbox::v1::DeleteSandboxRequest* request,
    sandbox::v1::DeleteSandboxResponse* response) {
  auto* reactor = context->DefaultReactor();
  absl::StatusOr<Caller> caller = callers_(*context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  blocking_.Post([this, reactor, request, response, caller = *caller] {
    absl::StatusOr<std::string> message =
        manager_->Delete(caller, request->sandbox_id());
    if (!message.ok()) {
      reactor->Finish(ToGrpcStatus(message.status()));
      return;
    }
    response->set_success(true);
    response->set_message(*message);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* SandboxService::List(
    grpc::CallbackServerContext* context,
    const sandbox::v1::ListSandboxesRequest* request,
    sandbox::v1::ListSandboxesResponse* response) {
  auto* reactor = context->DefaultReactor();
  absl::StatusOr<Caller> caller = callers_(*context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  absl::StatusOr<sandbox::v1::ListSandboxesResponse> page =
      manager_->List(*caller, *request);
  if (!page.ok()) {
    reactor->Finish(ToGrpcStatus(page.status()));
    return reactor;
  }
  *response = *std::move(page);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<sandbox::v1::BuildEvent>* SandboxService::WatchBuild(
    grpc::CallbackServerContext* context,
    const sandbox::v1::WatchBuildRequest* request) {
  absl::StatusOr<Caller> caller = callers_(*context);
  absl::Status visible =
      caller.ok() ? manager_->CheckVisible(*caller, request->sandbox_id())
                  : caller.status();
  if (visible.ok() && request->after_sequence() < 0) {
    visible =
        absl::InvalidArgumentError("after_sequence: must not be negative");
  }
  auto reactor = std::make_shared<WatchReactor>(&manager_->events(), watches_,
                                                request->sandbox_id(),
                                                request->after_sequence());
  // The registry owns every reactor until its OnDone, failed ones included.
  watches_->Add(reactor);
  if (!visible.ok()) {
    reactor->Fail(ToGrpcStatus(visible));
  } else if (watches_->draining()) {
    reactor->Drain();
  } else {
    reactor->Begin();
  }
  return reactor.get();
}

}  // namespace sandboxd
