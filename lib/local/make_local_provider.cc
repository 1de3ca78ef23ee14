// MakeLocalProvider: the host checks, the isolation mode, and
// LocalProvider's on-disk setup.
//
// Modes (picked by the effective uid, logged at start):
// - root: per-sandbox uids, cgroups (v1, or a delegated v2 directory), the
//   setns dialer. Unchanged from before the unprivileged mode existed.
// - unprivileged: bwrap's own user namespace maps sandboxd's uid to the
//   sandbox's uid 1000 (no per-sandbox uid: a non-root process can map only
//   itself); isolation rests on the mount/pid/net/ipc/uts namespaces,
//   read-only binds, --disable-userns and --cap-drop ALL. Files stay owned
//   by sandboxd (fs_util turns chowns into no-ops). Cgroups: a writable
//   delegated cgroup_v2_parent if configured, else none, with a loud
//   warning. No rlimit stands in for them: RLIMIT_AS/RLIMIT_DATA break node
//   (V8 and turbopack reserve large address ranges); RLIMIT_NPROC counts
//   the tasks of the whole uid (sandboxd's threads and every sandbox, and
//   a user namespace inherits its creator's limit as the cap for its
//   parent's count), so a per-sandbox value would make sandboxes fail each
//   other's forks. What still applies in both modes: RLIMIT_FSIZE and the
//   disk watchdog, the /tmp size cap, no network. Reaching the app: the
//   (c') helper of netns_dialer.h.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
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

// Without root: a writable delegated cgroup v2 directory if one is
// configured (it must work then), else no cgroups at all.
absl::StatusOr<CgroupHost> UnprivilegedCgroupHost(
    std::string_view mounts, const std::string& v2_parent) {
  CgroupHost none;
  none.kind = CgroupHost::Kind::kNone;
  if (v2_parent.empty()) return none;
  absl::StatusOr<CgroupHost> parsed = ParseCgroupHost(mounts, v2_parent);
  if (!parsed.ok() || parsed->unified.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cgroup_v2_parent is set (", v2_parent,
                     ") but cgroup2 is not mounted"));
  }
  if (::access(v2_parent.c_str(), W_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cgroup_v2_parent ", v2_parent,
                     " is not writable by this uid (delegate it, e.g. a "
                     "systemd unit with Delegate=memory pids cpu)"));
  }
  CgroupHost v2;
  v2.kind = CgroupHost::Kind::kV2;
  v2.unified = parsed->unified;
  v2.v2_parent = v2_parent;
  return v2;
}

std::string IsolationModeSummary(bool root_mode, const CgroupHost& cgroups,
                                 const LocalProviderOptions& options) {
  if (root_mode) {
    return absl::StrCat(
        "isolation mode root: per-sandbox uid (", options.uid_base + 1, "+), ",
        cgroups.kind == CgroupHost::Kind::kV2 ? "cgroup v2" : "cgroup v1",
        " limits, setns dialer");
  }
  return absl::StrCat(
      "isolation mode unprivileged (uid ", ::geteuid(),
      "): every sandbox runs as this uid in its own user/mount/pid/net "
      "namespaces (read-only binds, --disable-userns, no capabilities), ",
      EnforcesLimits(cgroups)
          ? absl::StrCat("delegated cgroup v2 limits under ", cgroups.v2_parent)
          : std::string("NO memory/pids/cpu limits"),
      ", netns helper dialer (c')");
}

constexpr char kNoLimitsWarning[] =
    "sandboxd local: "
    "**********************************************************************\n"
    "sandboxd local: WARNING: unprivileged and no delegated cgroup: memory, "
    "pids and CPU limits are NOT enforced.\n"
    "sandboxd local: A sandboxed app can exhaust this host's memory, processes "
    "and CPU. Only the\n"
    "sandboxd local: disk budget, RLIMIT_FSIZE and the /tmp size cap apply. "
    "Run as root, or set\n"
    "sandboxd local: cgroup_v2_parent to a delegated cgroup v2 directory "
    "(lib/local/README.md).\n"
    "sandboxd local: "
    "**********************************************************************\n";

}  // namespace

absl::Status LocalProvider::Init() {
  const std::string& root = options_.root_dir;
  const uid_t installer = options_.uid_base;
  // Unprivileged mode: every file is sandboxd's own (fs_util keeps owners)
  // and the sandboxes run as sandboxd's uid, so no o+x is needed either.
  const bool root_mode = ::geteuid() == 0;
  RETURN_IF_ERROR(EnsureDir(root, 0711, 0, 0));
  if (root_mode) RETURN_IF_ERROR(CheckTraversable(root));
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
           {"nsswitch-install.conf", SyntheticNsswitch(true)},
           {"registry-forwarder.js", kRegistryForwarderJs}}) {
    RETURN_IF_ERROR(WriteFileAtomic(etc + "/" + name, content, 0644));
  }
  // Install sandboxes reach the registry through this socket only.
  RETURN_IF_ERROR(EnsureDir(root + "/run", 0755, 0, 0));
  ASSIGN_OR_RETURN(std::string registry,
                   RegistryTunnelTarget(options_.npm_registry));
  ASSIGN_OR_RETURN(
      registry_proxy_,
      RegistryProxy::Start(RegistryProxy::Options{
          .socket_path = root + "/run/registry.sock", .allowed = {registry}}));
  const std::string& cache = options_.npm_cache_dir;
  if (root_mode) RETURN_IF_ERROR(CheckTraversable(cache));
  struct stat st;
  if (root_mode && ::stat(cache.c_str(), &st) == 0 && st.st_uid != installer) {
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
  const bool root_mode = ::geteuid() == 0;
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
      root_mode ? ParseCgroupHost(mounts, options.cgroup_v2_parent)
                : UnprivilegedCgroupHost(mounts, options.cgroup_v2_parent);
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
  std::cerr << "sandboxd local: "
            << IsolationModeSummary(root_mode, *cgroups, options) << "\n";
  if (!EnforcesLimits(*cgroups)) {
    std::cerr << kNoLimitsWarning;
  }
  provider->StartBackground();
  return provider;
}

}  // namespace sandboxd::local
