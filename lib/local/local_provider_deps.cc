// LocalProvider: the sandbox's own node_modules (pooled sandboxes) and the
// packages added to it when a create needs a few more than the pool has.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/common/status_macros.h"
#include "lib/local/fs_util.h"
#include "lib/local/link_tree.h"
#include "lib/local/local_provider.h"
#include "lib/local/package_additions.h"
#include "lib/scaffold/warm_template.h"

namespace sandboxd::local {
namespace {

constexpr char kHiddenLock[] = ".package-lock.json";

}  // namespace

std::string LocalProvider::OwnNodeModulesDir(
    std::string_view sandbox_id) const {
  return SandboxDir(sandbox_id) + "/deps/node_modules";
}

absl::Status LocalProvider::LinkOwnNodeModules(std::string_view sandbox_id,
                                               const std::string& fingerprint) {
  const std::string store = store_.NodeModulesDir(fingerprint);
  const std::string own = OwnNodeModulesDir(sandbox_id);
  RETURN_IF_ERROR(EnsureDir(SandboxDir(sandbox_id) + "/deps", 0755, ::geteuid(),
                            ::getegid()));
  RETURN_IF_ERROR(RemoveTree(own));
  return LinkTree(store, own, ::geteuid(), ::getegid());
}

absl::Status LocalProvider::AddDependencies(std::string_view sandbox_id,
                                            const scaffold::Project& project,
                                            const OutputSink& sink,
                                            const CallContext& ctx) {
  ASSIGN_OR_RETURN(std::shared_ptr<Sandbox> sandbox, Find(sandbox_id));
  std::map<std::string, std::string> installed;
  bool running;
  {
    absl::MutexLock lock(&sandbox->mu);
    installed = sandbox->installed;
    running = sandbox->app != nullptr && !sandbox->app->Exited();
  }
  if (!running) return absl::UnimplementedError("its app is not running");
  if (installed.empty()) {
    return absl::UnimplementedError(
        "what its node_modules holds is not known (sandboxd restarted)");
  }
  if (::geteuid() != 0) {
    return absl::UnimplementedError(
        "packages are only added to running apps when sandboxd runs as root");
  }
  if (::access(OwnNodeModulesDir(sandbox_id).c_str(), F_OK) != 0) {
    return absl::UnimplementedError(
        "it runs on the shared dependency store (only sandboxes from the "
        "warm pool have their own node_modules)");
  }
  absl::StatusOr<std::map<std::string, std::string>> additions =
      scaffold::DependencyAdditions(installed, project.plan.dependencies);
  if (!additions.ok()) {
    return absl::UnimplementedError(std::string(additions.status().message()));
  }
  if (additions->empty()) return absl::OkStatus();
  if (additions->size() > scaffold::kMaxWarmAdditions) {
    return absl::UnimplementedError(absl::StrCat(
        additions->size(), " packages to add (at most ",
        scaffold::kMaxWarmAdditions, " are added to a running app)"));
  }
  return AddPackages(std::string(sandbox_id), project, *additions, sink, ctx);
}

absl::Status LocalProvider::AddPackages(
    const std::string& sandbox_id, const scaffold::Project& project,
    const std::map<std::string, std::string>& additions, const OutputSink& sink,
    const CallContext& ctx) {
  ASSIGN_OR_RETURN(std::shared_ptr<Sandbox> sandbox, Find(sandbox_id));
  const std::string own = OwnNodeModulesDir(sandbox_id);
  const std::string staging = SandboxDir(sandbox_id) + "/deps-add";
  const uid_t installer = ::geteuid() == 0 ? options_.uid_base : ::geteuid();
  auto log = [&sink](const std::string& line) {
    if (sink) sink(OutputStream::kStdout, line);
  };
  log(absl::StrCat("adding ", scaffold::DescribeAdditions(additions),
                   " to the running sandbox"));
  const absl::Time start = absl::Now();
  // Refills wait while this runs, as for any user install.
  user_commands_.fetch_add(1);
  absl::Cleanup done = [this, &staging] {
    user_commands_.fetch_sub(1);
    RemoveTree(staging).IgnoreError();
  };

  // npm runs on a hard-linked copy whose directories the installer owns:
  // it may add entries anywhere in it, but cannot write the store's files.
  RETURN_IF_ERROR(RemoveTree(staging));
  RETURN_IF_ERROR(EnsureDir(staging, 0755, installer, installer));
  for (const char* name : {"package.json", "package-lock.json"}) {
    auto it = project.files.find(name);
    if (it == project.files.end()) continue;
    RETURN_IF_ERROR(
        WriteFileNoFollow(staging, name, it->second, installer, installer));
  }
  RETURN_IF_ERROR(
      LinkTree(own, staging + "/node_modules", installer, installer));
  ASSIGN_OR_RETURN(std::string before,
                   ReadSmallFile(absl::StrCat(own, "/", kHiddenLock)));
  // npm rewrites its hidden lockfile: give it its own copy.
  const std::string staged_lock =
      absl::StrCat(staging, "/node_modules/", kHiddenLock);
  if (::unlink(staged_lock.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("unlink ", staged_lock, ": ", std::strerror(errno)));
  }
  RETURN_IF_ERROR(WriteFileNoFollow(staging + "/node_modules", kHiddenLock,
                                    before, installer, installer));

  SpawnRequest request;
  request.kind = Kind::kInstall;
  request.app_dir = staging;
  request.uid = installer;
  request.shell_command = project.plan.install_command;
  request.cgroup = sandbox->cgroup.get();
  std::string tail;
  ASSIGN_OR_RETURN(int code,
                   RunToCompletion(*sandbox, request, sink, ctx, &tail));
  if (code != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("npm exited with code ", code, ":\n", tail));
  }
  ASSIGN_OR_RETURN(std::string after, ReadSmallFile(staged_lock));
  ASSIGN_OR_RETURN(std::vector<std::string> added,
                   AddedTopLevelPackages(before, after));
  // Moved in whole, root-owned and read-only like the store; the running
  // app sees them at once (its node_modules is a bind of `own`).
  for (const std::string& package : added) {
    const std::string from = absl::StrCat(staging, "/node_modules/", package);
    const std::string to = absl::StrCat(own, "/", package);
    RETURN_IF_ERROR(ChownTree(from, ::geteuid(), ::getegid(), true));
    if (package[0] == '@') {
      RETURN_IF_ERROR(EnsureDir(
          absl::StrCat(own, "/", package.substr(0, package.find('/'))), 0755,
          ::geteuid(), ::getegid()));
    }
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return absl::InternalError(absl::StrCat(
          "moving ", package, " into place: ", std::strerror(errno)));
    }
  }
  {
    absl::MutexLock lock(&sandbox->mu);
    for (const auto& [name, spec] : additions) sandbox->installed[name] = spec;
  }
  log(absl::StrCat("added ", added.size(),
                   added.size() == 1 ? " package in " : " packages in ",
                   absl::FormatDuration(absl::Trunc(absl::Now() - start,
                                                    absl::Milliseconds(100)))));
  return absl::OkStatus();
}

}  // namespace sandboxd::local
