#include "server/preview_backend.h"

namespace sandboxd {

PreviewBackend::Visibility ManagerPreviewBackend::GetVisibility(
    std::string_view sandbox_id) {
  // Peek, not PreviewLookup: deciding must not wake the sandbox or count as
  // activity. The preview host is the capability, so no owner check.
  absl::StatusOr<sandbox::v1::Sandbox> sandbox = manager_->Peek(
      Caller{.owner = "", .admin = true}, std::string(sandbox_id));
  if (!sandbox.ok()) return Visibility::kNotFound;
  return sandbox->public_preview() ? Visibility::kPublic : Visibility::kPrivate;
}

PreviewBackend::Status ManagerPreviewBackend::Check(
    std::string_view sandbox_id) {
  absl::StatusOr<sandbox::v1::Sandbox> sandbox =
      manager_->PreviewLookup(std::string(sandbox_id));
  Status status;
  if (!sandbox.ok()) return status;  // kNotFound
  switch (sandbox->status()) {
    case sandbox::v1::SANDBOX_STATUS_READY:
      status.state = State::kReady;
      break;
    case sandbox::v1::SANDBOX_STATUS_PENDING:
    case sandbox::v1::SANDBOX_STATUS_BUILDING:
    case sandbox::v1::SANDBOX_STATUS_STOPPED:
      status.state = State::kStarting;
      status.phase = sandbox::v1::BuildPhase_Name(sandbox->phase())
                         .substr(sizeof("BUILD_PHASE_") - 1);
      // A sandbox that was ready before is only starting its app again:
      // worth holding the request for.
      status.waking = sandbox->has_ready_time();
      break;
    default:  // FAILED, DELETING, DELETED: nothing to show
      break;
  }
  return status;
}

absl::StatusOr<int> ManagerPreviewBackend::Dial(std::string_view sandbox_id) {
  return provider_->DialApp(sandbox_id);
}

}  // namespace sandboxd
