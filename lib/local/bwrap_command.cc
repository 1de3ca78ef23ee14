#include "lib/local/bwrap_command.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/local/registry_proxy.h"

namespace sandboxd::local {
namespace {

void Add(std::vector<std::string>& argv,
         std::initializer_list<std::string> args) {
  argv.insert(argv.end(), args);
}

}  // namespace

std::vector<std::string> BuildBwrapArgv(const BwrapSpec& spec) {
  std::vector<std::string> argv = {spec.bwrap_path};
  // Namespaces. Every sandbox gets a netns with nothing but loopback;
  // installs reach the registry only through the tunnel socket.
  Add(argv, {"--unshare-user", "--unshare-pid", "--unshare-ipc",
             "--unshare-uts", "--unshare-cgroup-try", "--unshare-net"});
  const bool tunnel = spec.install && !spec.registry_socket.empty();
  Add(argv, {"--uid", absl::StrCat(kSandboxInnerUid), "--gid",
             absl::StrCat(kSandboxInnerUid)});
  Add(argv, {"--die-with-parent", "--new-session", "--cap-drop", "ALL",
             "--disable-userns", "--hostname", "sandbox"});
  // Host environment never leaks in (NODE_EXTRA_CA_CERTS did, without it).
  argv.push_back("--clearenv");
  std::map<std::string, std::string> env = {
      {"PATH", "/usr/local/bin:/usr/bin:/bin"},
      {"HOME", "/tmp"},  // HOME=/app made Next write /app/.config
      {"TMPDIR", "/tmp"},
      {"LANG", "C.UTF-8"},
      {"NEXT_TELEMETRY_DISABLED", "1"},
  };
  if (spec.install) {
    env["npm_config_cache"] = "/npm-cache";
    env["npm_config_cafile"] = spec.ca_certs_dir + "/ca-certificates.crt";
    env["npm_config_update_notifier"] = "false";
    env["npm_config_fund"] = "false";
    env["npm_config_audit"] = "false";
  }
  if (tunnel) {
    const std::string proxy =
        absl::StrCat("http://127.0.0.1:", kRegistryForwarderPort);
    env["npm_config_proxy"] = proxy;
    env["npm_config_https_proxy"] = proxy;
    env["npm_config_noproxy"] = "";
  }
  for (const auto& [name, value] : spec.environment) env[name] = value;
  for (const auto& [name, value] : env) Add(argv, {"--setenv", name, value});

  // File system: read-only /usr, synthetic /etc, private /proc, /dev, /tmp.
  Add(argv, {"--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
             "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
             "--symlink", "usr/sbin", "/sbin"});
  Add(argv, {"--dir", "/etc"});
  for (const char* name : {"hosts", "passwd", "group"}) {
    Add(argv, {"--ro-bind", absl::StrCat(spec.etc_dir, "/", name),
               absl::StrCat("/etc/", name)});
  }
  Add(argv, {"--ro-bind",
             absl::StrCat(spec.etc_dir, spec.install ? "/nsswitch-install.conf"
                                                     : "/nsswitch.conf"),
             "/etc/nsswitch.conf"});
  if (spec.install) {
    Add(argv, {"--ro-bind", spec.resolv_conf, "/etc/resolv.conf", "--dir",
               "/etc/ssl", "--ro-bind", spec.ca_certs_dir, "/etc/ssl/certs"});
  }
  Add(argv, {"--proc", "/proc", "--dev", "/dev"});
  Add(argv, {"--size", absl::StrCat(spec.tmp_bytes), "--tmpfs", "/tmp",
             "--size", "1048576", "--tmpfs", "/run"});
  if (tunnel) {
    Add(argv,
        {"--bind", spec.registry_socket, "/run/sandboxd/registry.sock",
         "--ro-bind", spec.registry_forwarder, "/run/sandboxd/forwarder.js"});
  }
  Add(argv, {"--bind", spec.app_dir, "/app"});
  if (!spec.node_modules_dir.empty()) {
    Add(argv, {"--ro-bind", spec.node_modules_dir, "/app/node_modules"});
  }
  if (spec.install && !spec.npm_cache_dir.empty()) {
    Add(argv, {"--bind", spec.npm_cache_dir, "/npm-cache"});
  }
  // The root tmpfs bwrap builds would otherwise be writable too.
  Add(argv, {"--remount-ro", "/"});
  Add(argv, {"--chdir", "/app", "--info-fd", absl::StrCat(spec.info_fd)});
  if (spec.seccomp_fd >= 0) {
    Add(argv, {"--seccomp", absl::StrCat(spec.seccomp_fd)});
  }
  if (tunnel) {
    // The forwarder listens, then runs the command ($0) and exits with it.
    Add(argv, {"/bin/sh", "-c",
               "exec node /run/sandboxd/forwarder.js "
               "/run/sandboxd/registry.sock \"$0\"",
               spec.shell_command});
  } else {
    Add(argv, {"/bin/sh", "-c", spec.shell_command});
  }
  return argv;
}

std::string SyntheticPasswd() {
  return absl::StrCat("root:x:0:0:root:/root:/bin/sh\n",
                      "app:x:", kSandboxInnerUid, ":", kSandboxInnerUid,
                      ":app:/tmp:/bin/sh\n",
                      "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
}

std::string SyntheticGroup() {
  return absl::StrCat("root:x:0:\n", "app:x:", kSandboxInnerUid, ":\n",
                      "nogroup:x:65534:\n");
}

std::string SyntheticHosts() { return "127.0.0.1 localhost\n::1 localhost\n"; }

std::string SyntheticNsswitch(bool install) {
  return install ? "passwd: files\ngroup: files\nhosts: files dns\n"
                 : "passwd: files\ngroup: files\nhosts: files\n";
}

}  // namespace sandboxd::local
