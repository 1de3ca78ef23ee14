// Validation of API requests beyond what lib/scaffold checks in the generated
// code: names, labels, timeouts, paging. Every error is INVALID_ARGUMENT and
// names the field. Used by SandboxManager.
#ifndef SANDBOXD_LIB_CORE_VALIDATION_H_
#define SANDBOXD_LIB_CORE_VALIDATION_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd {

struct RequestLimits {
  size_t max_project_name = 100;
  size_t max_description = 2000;
  size_t max_request_id = 128;
  size_t max_labels = 64;
  size_t max_label_key = 63;
  size_t max_label_value = 256;
  absl::Duration min_idle_timeout = absl::Minutes(1);
  absl::Duration max_idle_timeout = absl::Hours(24 * 7);
  absl::Duration default_idle_timeout = absl::Hours(1);
  int default_page_size = 50;
  int max_page_size = 500;
};

// Checks every field of Create except generated_code, environment and
// build_script, which lib/scaffold validates.
absl::Status ValidateCreate(const sandbox::v1::CreateSandboxRequest& request,
                            const RequestLimits& limits);

// The idle timeout the request asks for, or the default.
absl::Duration EffectiveIdleTimeout(
    const sandbox::v1::CreateSandboxRequest& request,
    const RequestLimits& limits);

// Checks a sandbox_id field ("sandbox_id: required", "sandbox_id: malformed").
absl::Status ValidateSandboxId(const std::string& id);

// A validated List request.
struct ListFilter {
  int page_size = 0;
  std::vector<sandbox::v1::SandboxStatus> statuses;
  std::vector<std::pair<std::string, std::string>> labels;
};
absl::StatusOr<ListFilter> ValidateList(
    const sandbox::v1::ListSandboxesRequest& request,
    const RequestLimits& limits);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_CORE_VALIDATION_H_
