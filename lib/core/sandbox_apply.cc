// SandboxManager::ApplyFiles: a batch of generated-file changes for a
// running sandbox (iterative AI edits). The stored spec is the source of
// truth: the batch is merged into it and stored together with the record's
// move to BUILDING, so a crash mid-apply resumes as an interrupted build of
// the new files.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "lib/common/status_macros.h"
#include "lib/core/sandbox_manager.h"

namespace sandboxd {
namespace {

using ::sandbox::v1::ApplyFilesRequest;
using ::sandbox::v1::CreateSandboxRequest;
using ::sandbox::v1::Sandbox;

// Checks the batch itself; the merged project is checked by Assemble.
absl::Status ValidateBatch(const ApplyFilesRequest& request,
                           const CreateSandboxRequest& spec) {
  if (request.files().empty() && request.deleted_paths().empty()) {
    return absl::InvalidArgumentError(
        "files: nothing to apply (no files and no deleted_paths)");
  }
  std::set<std::string> deleted;
  for (int i = 0; i < request.deleted_paths_size(); ++i) {
    const std::string& path = request.deleted_paths(i);
    const std::string field = absl::StrCat("deleted_paths[", i, "]");
    if (request.files().contains(path)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": \"", path,
                       "\" is also in files (write or delete, not both)"));
    }
    if (!spec.generated_code().contains(path)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": \"", path,
                       "\" is not one of the sandbox's generated files"));
    }
    if (!deleted.insert(path).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": \"", path, "\" is listed twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Sandbox> SandboxManager::ApplyFiles(
    const Caller& caller, const ApplyFilesRequest& request) {
  if (provider_ == nullptr) {
    return absl::FailedPreconditionError("no sandbox provider is available");
  }
  ASSIGN_OR_RETURN(Sandbox current, Load(caller, request.sandbox_id()));
  const std::string& id = current.sandbox_id();
  // A running build, restart or apply is a conflict the caller retries
  // (ABORTED, as the proto documents), not a state it must change.
  if (current.status() == sandbox::v1::SANDBOX_STATUS_BUILDING) {
    return absl::AbortedError(absl::StrCat(
        "sandbox ", id,
        " is busy (a build, restart or apply is running); retry when it "
        "settles"));
  }
  if (current.status() != sandbox::v1::SANDBOX_STATUS_READY &&
      current.status() != sandbox::v1::SANDBOX_STATUS_FAILED) {
    return absl::FailedPreconditionError(
        absl::StrCat("sandbox ", id, " is ",
                     sandbox::v1::SandboxStatus_Name(current.status()),
                     ": ApplyFiles needs a READY or FAILED sandbox",
                     current.status() == sandbox::v1::SANDBOX_STATUS_STOPPED
                         ? " (Get starts a stopped one again)"
                         : ""));
  }
  ASSIGN_OR_RETURN(CreateSandboxRequest spec, store_->GetSpec(id));
  RETURN_IF_ERROR(ValidateBatch(request, spec));
  CreateSandboxRequest next = spec;
  for (const std::string& path : request.deleted_paths()) {
    next.mutable_generated_code()->erase(path);
  }
  for (const auto& [path, content] : request.files()) {
    (*next.mutable_generated_code())[path] = content;
  }
  // The merged project must assemble; its errors name generated_code[...],
  // which here is the request's files[...].
  absl::StatusOr<scaffold::Project> before =
      scaffold::Assemble(ToScaffoldRequest(spec), options_.scaffold_limits);
  absl::StatusOr<scaffold::Project> after =
      scaffold::Assemble(ToScaffoldRequest(next), options_.scaffold_limits);
  if (!after.ok()) {
    return absl::Status(after.status().code(),
                        absl::StrReplaceAll(after.status().message(),
                                            {{"generated_code", "files"}}));
  }
  // Hot: a DEV app that serves now; if its dependencies change, the
  // provider may add them to it (else the runner restarts it).
  BuildRunner::ApplyMode mode = BuildRunner::ApplyMode::kCold;
  if (current.status() == sandbox::v1::SANDBOX_STATUS_READY &&
      current.mode() != sandbox::v1::MODE_PRODUCTION && before.ok()) {
    mode = before->plan.dependency_fingerprint ==
                   after->plan.dependency_fingerprint
               ? BuildRunner::ApplyMode::kHot
               : BuildRunner::ApplyMode::kHotAddingDependencies;
  }

  // The run that made the sandbox READY or FAILED may still be returning
  // (its record is written before it lets go): wait for it once, as
  // QueueBuild does, unless a new run has begun meanwhile.
  ASSIGN_OR_RETURN(
      std::shared_ptr<Active> active,
      TakeRun(
          id,
          [&] {
            absl::StatusOr<Sandbox> now = store_->GetSandbox(id);
            return now.ok() && now->status() == current.status();
          },
          absl::AbortedError(absl::StrCat(
              "sandbox ", id,
              " is busy (a build, restart or apply is running)"))));
  auto release = [&] {
    absl::MutexLock lock(&mu_);
    active_.erase(id);
    active->done.Notify();
  };
  absl::StatusOr<Sandbox> updated = records_.Mutate(
      id,
      [&](Sandbox& s) -> absl::Status {
        // A concurrent apply may have come and gone since the spec was
        // read: its files would be lost.
        if (s.status() != current.status() ||
            s.generation() != current.generation()) {
          return absl::AbortedError(
              absl::StrCat("sandbox ", id, " changed meanwhile; retry"));
        }
        s.set_status(sandbox::v1::SANDBOX_STATUS_BUILDING);
        s.set_phase(sandbox::v1::BUILD_PHASE_UPLOADING);
        s.set_generation(std::max<int64_t>(1, s.generation()) + 1);
        s.clear_error();
        return absl::OkStatus();
      },
      &next);
  if (!updated.ok()) {
    release();
    return updated.status();
  }
  Touch(id);
  events_.SetActive(id, true);
  absl::StatusOr<int> queued =
      apply_queue_.Enqueue(id, current.owner(), [this, id, mode, active] {
        runner_.Apply(id, mode, active->control);
        {
          absl::MutexLock lock(&mu_);
          active_.erase(id);
        }
        active->done.Notify();
      });
  if (!queued.ok()) {
    // The record says BUILDING with the new spec: the reconciler rebuilds it.
    release();
    return queued.status();
  }
  Overlay(*updated);
  return *updated;
}

}  // namespace sandboxd
