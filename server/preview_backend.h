// Connects the HTTP front's preview proxy to the manager (status, activity,
// wake-up) and to the provider's DialApp (local sandboxes).
#ifndef SANDBOXD_SERVER_PREVIEW_BACKEND_H_
#define SANDBOXD_SERVER_PREVIEW_BACKEND_H_

#include "lib/core/sandbox_manager.h"
#include "lib/http/preview_proxy.h"
#include "lib/provider/provider.h"

namespace sandboxd {

// Thread-safe.
class ManagerPreviewBackend final : public PreviewBackend {
 public:
  ManagerPreviewBackend(SandboxManager* manager, Provider* provider)
      : manager_(manager), provider_(provider) {}
  Visibility GetVisibility(std::string_view sandbox_id) override;
  Status Check(std::string_view sandbox_id) override;
  absl::StatusOr<int> Dial(std::string_view sandbox_id) override;

 private:
  SandboxManager* const manager_;
  Provider* const provider_;
};

}  // namespace sandboxd

#endif  // SANDBOXD_SERVER_PREVIEW_BACKEND_H_
