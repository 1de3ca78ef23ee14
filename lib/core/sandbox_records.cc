#include "lib/core/sandbox_records.h"

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"

namespace sandboxd {
namespace {

using ::sandbox::v1::SandboxStatus;

bool Allowed(SandboxStatus from, SandboxStatus to) {
  using namespace ::sandbox::v1;  // NOLINT: the status names read as a table
  if (from == to) return true;
  switch (from) {
    case SANDBOX_STATUS_PENDING:
      return to == SANDBOX_STATUS_BUILDING || to == SANDBOX_STATUS_FAILED ||
             to == SANDBOX_STATUS_DELETING;
    case SANDBOX_STATUS_BUILDING:
      return to == SANDBOX_STATUS_READY || to == SANDBOX_STATUS_FAILED ||
             to == SANDBOX_STATUS_STOPPED || to == SANDBOX_STATUS_DELETING;
    case SANDBOX_STATUS_READY:
      return to == SANDBOX_STATUS_STOPPED || to == SANDBOX_STATUS_FAILED ||
             to == SANDBOX_STATUS_BUILDING || to == SANDBOX_STATUS_DELETING;
    case SANDBOX_STATUS_STOPPED:
      return to == SANDBOX_STATUS_BUILDING || to == SANDBOX_STATUS_FAILED ||
             to == SANDBOX_STATUS_DELETING;
    case SANDBOX_STATUS_FAILED:
      // ApplyFiles rebuilds a failed sandbox with corrected files.
      return to == SANDBOX_STATUS_BUILDING || to == SANDBOX_STATUS_DELETING;
    case SANDBOX_STATUS_DELETING:
      return to == SANDBOX_STATUS_DELETED;
    default:
      return false;
  }
}

}  // namespace

absl::Status CheckTransition(SandboxStatus from, SandboxStatus to) {
  if (Allowed(from, to)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("sandbox is ", sandbox::v1::SandboxStatus_Name(from),
                   " and cannot become ", sandbox::v1::SandboxStatus_Name(to)));
}

absl::Mutex& SandboxRecords::StripeFor(const std::string& sandbox_id) {
  return stripes_[absl::Hash<std::string>()(sandbox_id) % stripes_.size()];
}

absl::StatusOr<sandbox::v1::Sandbox> SandboxRecords::Mutate(
    const std::string& sandbox_id, const Mutation& mutation,
    const sandbox::v1::CreateSandboxRequest* spec) {
  absl::MutexLock lock(&StripeFor(sandbox_id));
  absl::StatusOr<sandbox::v1::Sandbox> current = store_->GetSandbox(sandbox_id);
  if (!current.ok()) return current.status();
  sandbox::v1::Sandbox next = *current;
  if (absl::Status s = mutation(next); !s.ok()) return s;
  if (absl::Status s = CheckTransition(current->status(), next.status());
      !s.ok()) {
    return s;
  }
  SetTime(next.mutable_update_time(), clock_->Now());
  absl::Status stored = spec == nullptr
                            ? store_->UpdateSandbox(next)
                            : store_->UpdateSandboxAndSpec(next, *spec);
  if (!stored.ok()) return stored;
  return next;
}

void SetTime(google::protobuf::Timestamp* ts, absl::Time t) {
  int64_t nanos = absl::ToUnixNanos(t);
  ts->set_seconds(nanos / 1000000000);
  ts->set_nanos(static_cast<int32_t>(nanos % 1000000000));
  if (ts->nanos() < 0) {
    ts->set_seconds(ts->seconds() - 1);
    ts->set_nanos(ts->nanos() + 1000000000);
  }
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

void SetDuration(google::protobuf::Duration* d, absl::Duration value) {
  int64_t nanos = absl::ToInt64Nanoseconds(value);
  d->set_seconds(nanos / 1000000000);
  d->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

absl::Duration FromDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace sandboxd
