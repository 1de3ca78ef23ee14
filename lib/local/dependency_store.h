// The shared store of installed dependencies: <deps_dir>/<fingerprint>/
// node_modules, root-owned and read-only to sandboxes, one per dependency
// set (the scaffold's dependency_fingerprint). An entry is built once, in a
// staging directory, then published with an atomic rename; concurrent
// requests for the same fingerprint (threads or processes) wait on a file
// lock and reuse the result. Used by LocalProvider::InstallDependencies.
// Thread-safe.
#ifndef SANDBOXD_LIB_LOCAL_DEPENDENCY_STORE_H_
#define SANDBOXD_LIB_LOCAL_DEPENDENCY_STORE_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/common/call_context.h"

namespace sandboxd::local {

class DependencyStore {
 public:
  // `installer_uid` owns staging directories while npm runs in them.
  DependencyStore(std::string deps_dir, uid_t installer_uid)
      : deps_dir_(std::move(deps_dir)), installer_uid_(installer_uid) {}

  // Creates the store's directories.
  absl::Status Init();

  std::string EntryDir(std::string_view fingerprint) const;
  std::string NodeModulesDir(std::string_view fingerprint) const;
  bool Has(std::string_view fingerprint) const;

  // Makes sure the entry exists. If it does not, `install(staging_dir)` runs
  // (the staging dir is empty and owned by the installer uid) and must leave
  // staging_dir/node_modules behind; the entry is then chowned to root,
  // made read-only and published. Returns true if this call installed,
  // false if the entry was already there (or another caller built it
  // meanwhile). Errors: those of `install`; DEADLINE_EXCEEDED/CANCELLED
  // while waiting for another installer.
  absl::StatusOr<bool> Ensure(
      std::string_view fingerprint,
      const std::function<absl::Status(const std::string& staging_dir)>&
          install,
      const CallContext& ctx);

 private:
  std::string deps_dir_;
  uid_t installer_uid_;
};

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_DEPENDENCY_STORE_H_
