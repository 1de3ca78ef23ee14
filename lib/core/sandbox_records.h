// SandboxRecords: read-modify-write of sandbox records with the state
// machine enforced, serialized per sandbox. Every status change in lib/core
// goes through Mutate, so a build, a delete and the reaper never overwrite
// each other's changes.
#ifndef SANDBOXD_LIB_CORE_SANDBOX_RECORDS_H_
#define SANDBOXD_LIB_CORE_SANDBOX_RECORDS_H_

#include <array>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/common/clock.h"
#include "lib/store/store.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd {

// OK if the state machine (DESIGN.md, "Sandbox life") allows `from` -> `to`;
// FAILED_PRECONDITION naming both otherwise. Staying in a state is allowed.
absl::Status CheckTransition(sandbox::v1::SandboxStatus from,
                             sandbox::v1::SandboxStatus to);

// Thread-safe.
class SandboxRecords {
 public:
  // Edits a record in place; a non-OK status aborts the write.
  using Mutation = std::function<absl::Status(sandbox::v1::Sandbox&)>;

  SandboxRecords(Store* store, std::shared_ptr<Clock> clock)
      : store_(store), clock_(std::move(clock)) {}

  // Loads the record, applies `mutation`, checks the status transition it
  // made, stamps update_time and stores it (with `spec` as the new build
  // spec, atomically, when not null). Returns the new record.
  // NOT_FOUND for an unknown id; the mutation's error; FAILED_PRECONDITION
  // for a transition the state machine forbids.
  absl::StatusOr<sandbox::v1::Sandbox> Mutate(
      const std::string& sandbox_id, const Mutation& mutation,
      const sandbox::v1::CreateSandboxRequest* spec = nullptr);

  Store* store() const { return store_; }

 private:
  absl::Mutex& StripeFor(const std::string& sandbox_id);

  Store* const store_;
  const std::shared_ptr<Clock> clock_;
  std::array<absl::Mutex, 64> stripes_;
};

// Timestamp helpers shared by lib/core.
void SetTime(google::protobuf::Timestamp* ts, absl::Time t);
absl::Time FromTimestamp(const google::protobuf::Timestamp& ts);
void SetDuration(google::protobuf::Duration* d, absl::Duration value);
absl::Duration FromDuration(const google::protobuf::Duration& d);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_CORE_SANDBOX_RECORDS_H_
