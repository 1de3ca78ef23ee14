// The small per-sandbox metadata file (<root>/sandboxes/<id>/sandbox.meta)
// that lets LocalProvider::List find sandboxes after a restart. Pure
// encoding; LocalProvider reads and writes the file.
#ifndef SANDBOXD_LIB_LOCAL_SANDBOX_RECORD_H_
#define SANDBOXD_LIB_LOCAL_SANDBOX_RECORD_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/scaffold/scaffold.h"

namespace sandboxd::local {

struct SandboxRecord {
  // What the sandbox was last asked to be; processes do not survive a
  // restart, so kRunning after a restart means "should be running".
  enum class State { kCreated, kRunning, kStopped, kFailed };
  std::string sandbox_id;
  uid_t uid = 0;
  scaffold::Mode mode = scaffold::Mode::kDev;
  State state = State::kCreated;
  int port = 3000;
  std::string dependency_fingerprint;  // installed deps mounted at run time
  // Name of its cgroups: the sandbox id, or the id of the warm-pool sandbox
  // it was claimed from (cgroup v2 cannot rename a cgroup). Empty in a
  // record from before this field: the sandbox id.
  std::string cgroup;
  std::string detail;  // why it failed
};

std::string EncodeSandboxRecord(const SandboxRecord& record);
// INVALID_ARGUMENT (naming the line) for malformed text.
absl::StatusOr<SandboxRecord> DecodeSandboxRecord(std::string_view text);

// INVALID_ARGUMENT unless `id` is 1-63 of [A-Za-z0-9-] (usable as a file
// name, a cgroup name and a DNS label of the preview host).
absl::Status ValidateSandboxId(std::string_view id);
// INVALID_ARGUMENT unless `fingerprint` is 8-128 lowercase hex digits.
absl::Status ValidateFingerprint(std::string_view fingerprint);

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_SANDBOX_RECORD_H_
