// Builds the bubblewrap command line for one sandboxed process (app, build
// or dependency install). Pure; used by LocalProvider and its unit tests.
// See the team reference local-isolation.md (shared/reference), §1, for why
// each flag is there.
#ifndef SANDBOXD_LIB_LOCAL_BWRAP_COMMAND_H_
#define SANDBOXD_LIB_LOCAL_BWRAP_COMMAND_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sandboxd::local {

// The uid/gid the sandboxed process sees inside its user namespace.
inline constexpr int kSandboxInnerUid = 1000;

struct BwrapSpec {
  std::string bwrap_path = "/usr/bin/bwrap";
  // Service-owned directory with the synthetic hosts, passwd, group and
  // nsswitch.conf (and nsswitch-install.conf for install sandboxes).
  std::string etc_dir;
  // Host directory mounted read-write at /app (the only writable path).
  std::string app_dir;
  // If set, mounted read-only at /app/node_modules.
  std::string node_modules_dir;
  // Install sandboxes only: the host's CA certificates, the npm cache
  // mounted read-write at /npm-cache, and (if registry_socket is set) the
  // registry tunnel: the socket of lib/local/registry_proxy.h and the
  // forwarder script (kRegistryForwarderJs) at /run/sandboxd/, npm's proxy
  // set to the forwarder, and the command run through it. Like every
  // sandbox, an install has its own network namespace (loopback only):
  // without registry_socket it has no network at all.
  bool install = false;
  std::string registry_socket;
  std::string registry_forwarder;
  std::string npm_cache_dir;
  std::string resolv_conf = "/etc/resolv.conf";
  std::string ca_certs_dir = "/etc/ssl/certs";
  uint64_t tmp_bytes = 256ull << 20;
  int info_fd = 3;
  // If >= 0: the fd bwrap reads a seccomp program from (--seccomp), which
  // it applies to the command just before exec (lib/local/seccomp_filter.h).
  int seccomp_fd = -1;
  std::map<std::string, std::string> environment;
  std::string shell_command;  // run with /bin/sh -c
};

// The full argv, starting with spec.bwrap_path.
std::vector<std::string> BuildBwrapArgv(const BwrapSpec& spec);

// File contents of the synthetic /etc.
std::string SyntheticPasswd();
std::string SyntheticGroup();
std::string SyntheticHosts();
std::string SyntheticNsswitch(bool install);

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_BWRAP_COMMAND_H_
