#include "server/preview_backend.h"

namespace sandboxd {

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
