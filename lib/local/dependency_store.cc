#include "lib/local/dependency_store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/common/status_macros.h"
#include "lib/local/fs_util.h"
#include "lib/local/sandbox_record.h"
#include "lib/local/unique_fd.h"

namespace sandboxd::local {

absl::Status DependencyStore::Init() {
  RETURN_IF_ERROR(EnsureDir(deps_dir_, 0755, 0, 0));
  RETURN_IF_ERROR(EnsureDir(deps_dir_ + "/.locks", 0700, 0, 0));
  const std::string staging = deps_dir_ + "/.staging";
  RETURN_IF_ERROR(EnsureDir(staging, 0711, 0, 0));
  // Leftovers of installs whose process died (<fingerprint>-<pid>-<n>).
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(staging, error)) {
    std::vector<std::string> parts =
        absl::StrSplit(entry.path().filename().string(), '-');
    int pid = 0;
    if (parts.size() == 3 && absl::SimpleAtoi(parts[1], &pid) && pid > 0 &&
        ::kill(pid, 0) != 0 && errno == ESRCH) {
      RemoveTree(entry.path().string()).IgnoreError();
    }
  }
  return absl::OkStatus();
}

std::string DependencyStore::EntryDir(std::string_view fingerprint) const {
  return absl::StrCat(deps_dir_, "/", std::string(fingerprint));
}

std::string DependencyStore::NodeModulesDir(
    std::string_view fingerprint) const {
  return EntryDir(fingerprint) + "/node_modules";
}

bool DependencyStore::Has(std::string_view fingerprint) const {
  struct stat st;
  return ::stat(NodeModulesDir(fingerprint).c_str(), &st) == 0 &&
         S_ISDIR(st.st_mode);
}

absl::StatusOr<bool> DependencyStore::Ensure(
    std::string_view fingerprint,
    const std::function<absl::Status(const std::string&)>& install,
    const CallContext& ctx) {
  RETURN_IF_ERROR(ValidateFingerprint(fingerprint));
  if (Has(fingerprint)) return false;

  // flock conflicts between open file descriptions, so this serializes
  // threads of this process and other processes alike.
  std::string lock_path =
      absl::StrCat(deps_dir_, "/.locks/", std::string(fingerprint), ".lock");
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock.valid()) {
    return absl::InternalError(
        absl::StrCat("deps: open ", lock_path, ": ", std::strerror(errno)));
  }
  while (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (!ctx.SleepFor(absl::Milliseconds(100))) {
      return ctx.cancelled()
                 ? absl::CancelledError("deps: cancelled waiting for install")
                 : absl::DeadlineExceededError(
                       "deps: deadline waiting for another install of the "
                       "same dependencies");
    }
  }
  if (Has(fingerprint)) return false;

  static std::atomic<int> counter{0};
  std::string staging =
      absl::StrCat(deps_dir_, "/.staging/", std::string(fingerprint), "-",
                   ::getpid(), "-", counter.fetch_add(1));
  RETURN_IF_ERROR(RemoveTree(staging));
  RETURN_IF_ERROR(EnsureDir(staging, 0755, installer_uid_, installer_uid_));
  absl::Status installed = install(staging);
  struct stat st;
  if (installed.ok() && ::stat((staging + "/node_modules").c_str(), &st) != 0) {
    installed =
        absl::FailedPreconditionError("deps: the install left no node_modules");
  }
  if (installed.ok()) installed = ChownTree(staging, 0, 0, /*read_only=*/true);
  if (installed.ok() &&
      ::rename(staging.c_str(), EntryDir(fingerprint).c_str()) != 0) {
    installed = absl::InternalError(absl::StrCat(
        "deps: publish ", EntryDir(fingerprint), ": ", std::strerror(errno)));
  }
  if (!installed.ok()) {
    RemoveTree(staging).IgnoreError();
    return installed;
  }
  return true;
}

}  // namespace sandboxd::local
