// MakeLocalProvider: the host checks, and LocalProvider's on-disk setup.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "lib/common/status_macros.h"
#include "lib/local/bwrap_command.h"
#include "lib/local/fs_util.h"
#include "lib/local/local_provider.h"

namespace sandboxd::local {
namespace {

absl::Status Missing(std::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat("local provider unavailable: ", std::string(what)));
}

std::string ReadTrimmed(const std::string& path) {
  absl::StatusOr<std::string> text = ReadSmallFile(path);
  return text.ok() ? std::string(absl::StripAsciiWhitespace(*text)) : "";
}

// Sandbox uids must be able to reach the bind-mount sources.
absl::Status CheckTraversable(const std::string& dir) {
  std::filesystem::path path = std::filesystem::absolute(dir);
  for (std::filesystem::path p = path.parent_path(); !p.empty();
       p = p.parent_path()) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0) {
      return Missing(absl::StrCat(p.string(),
                                  " is not traversable by sandbox uids (needs "
                                  "o+x to reach ",
                                  dir, ")"));
    }
    if (p == p.root_path()) break;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LocalProvider::Init() {
  const std::string& root = options_.root_dir;
  const uid_t installer = options_.uid_base;
  RETURN_IF_ERROR(EnsureDir(root, 0711, 0, 0));
  RETURN_IF_ERROR(CheckTraversable(root));
  RETURN_IF_ERROR(EnsureDir(root + "/sandboxes", 0711, 0, 0));
  RETURN_IF_ERROR(EnsureDir(root + "/probe", 0700, installer, installer));
  const std::string etc = root + "/etc";
  RETURN_IF_ERROR(EnsureDir(etc, 0755, 0, 0));
  for (const auto& [name, content] :
       std::vector<std::pair<std::string, std::string>>{
           {"hosts", SyntheticHosts()},
           {"passwd", SyntheticPasswd()},
           {"group", SyntheticGroup()},
           {"nsswitch.conf", SyntheticNsswitch(false)},
           {"nsswitch-install.conf", SyntheticNsswitch(true)}}) {
    RETURN_IF_ERROR(WriteFileAtomic(etc + "/" + name, content, 0644));
  }
  const std::string& cache = options_.npm_cache_dir;
  RETURN_IF_ERROR(CheckTraversable(cache));
  struct stat st;
  if (::stat(cache.c_str(), &st) == 0 && st.st_uid != installer) {
    RETURN_IF_ERROR(ChownTree(cache, installer, installer, false));
  }
  RETURN_IF_ERROR(EnsureDir(cache, 0700, installer, installer));
  RETURN_IF_ERROR(store_.Init());
  watchdog_ = std::thread([this] { WatchDisk(); });
  return absl::OkStatus();
}

absl::StatusOr<int> LocalProvider::ProbeSandbox(
    const std::string& shell_command, absl::Duration timeout) {
  SpawnRequest request;
  request.app_dir = options_.root_dir + "/probe";
  request.uid = options_.uid_base;
  request.shell_command = shell_command;
  CallContext ctx(absl::Now() + timeout);
  ASSIGN_OR_RETURN(std::shared_ptr<SandboxProcess> process,
                   Spawn(request, nullptr, ctx));
  std::optional<int> code = process->Wait(ctx);
  if (!code.has_value()) return absl::DeadlineExceededError("probe timed out");
  if (*code != 0) {
    return absl::InternalError(
        absl::StrCat("exit code ", *code, ": ", process->Tail(5)));
  }
  return *code;
}

absl::StatusOr<std::unique_ptr<LocalProvider>> MakeLocalProvider(
    LocalProviderOptions options) {
  if (options.root_dir.empty()) {
    return absl::InvalidArgumentError("local provider: root_dir is empty");
  }
  options.root_dir = std::filesystem::absolute(options.root_dir).string();
  if (options.npm_cache_dir.empty()) {
    options.npm_cache_dir = options.root_dir + "/npm-cache";
  }
  if (options.cgroup_name.empty()) {
    uint64_t hash = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : options.root_dir) {
      hash = (hash ^ c) * 1099511628211ull;
    }
    options.cgroup_name = absl::StrFormat("sandboxd-%08x", hash >> 32);
  }
  if (::geteuid() != 0) {
    return Missing(
        "sandboxd must run as root: it gives each sandbox its own uid, sets "
        "up its cgroups and dials into its network namespace (an "
        "unprivileged mode is not implemented)");
  }
  if (::access(options.bwrap_path.c_str(), X_OK) != 0) {
    return Missing(absl::StrCat("bubblewrap not found at ", options.bwrap_path,
                                " (apt-get install bubblewrap)"));
  }
  if (ReadTrimmed("/proc/sys/user/max_user_namespaces") == "0") {
    return Missing("user namespaces are disabled (user.max_user_namespaces=0)");
  }
  if (ReadTrimmed("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") ==
      "1") {
    return Missing(
        "AppArmor restricts unprivileged user namespaces "
        "(kernel.apparmor_restrict_unprivileged_userns=1); allow bwrap with "
        "an AppArmor profile");
  }
  ASSIGN_OR_RETURN(std::string mounts, ReadSmallFile("/proc/self/mounts"));
  absl::StatusOr<CgroupHost> cgroups =
      ParseCgroupHost(mounts, options.cgroup_v2_parent);
  if (!cgroups.ok()) return Missing(std::string(cgroups.status().message()));
  ASSIGN_OR_RETURN(std::unique_ptr<NetnsDialer> dialer, NetnsDialer::Make());

  auto provider = std::make_unique<LocalProvider>(
      options, *cgroups, MakeProcessLauncher(), std::move(dialer));
  RETURN_IF_ERROR(provider->Init());

  SandboxCgroup probe_cgroup(
      *cgroups, SandboxCgroupPathsFor(*cgroups, options.cgroup_name,
                                      absl::StrCat(".probe-", ::getpid())));
  absl::Status cgroup_ok = probe_cgroup.Create(CgroupLimits());
  probe_cgroup.Remove(absl::Now() + absl::Seconds(5)).IgnoreError();
  if (!cgroup_ok.ok()) {
    return Missing(
        absl::StrCat("cannot create cgroups: ", cgroup_ok.message()));
  }
  absl::StatusOr<int> probe = provider->ProbeSandbox(
      "test -w /app && ! test -e /etc/shadow", absl::Seconds(20));
  if (!probe.ok()) {
    return Missing(absl::StrCat(
        "bubblewrap cannot create a sandbox on this host (user namespaces "
        "restricted?): ",
        probe.status().message()));
  }
  provider->StartBackground();
  return provider;
}

}  // namespace sandboxd::local
