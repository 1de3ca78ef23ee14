// Configuration of the local provider (lib/local): where it keeps sandboxes,
// the per-sandbox limits and the preview URL shape. Filled by server/main.cc
// from flags; plain data.
#ifndef SANDBOXD_LIB_LOCAL_LOCAL_PROVIDER_OPTIONS_H_
#define SANDBOXD_LIB_LOCAL_LOCAL_PROVIDER_OPTIONS_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace sandboxd::local {

// Resource limits of one sandbox.
struct SandboxLimits {
  uint64_t memory_bytes_dev = uint64_t{2} << 30;         // next dev
  uint64_t memory_bytes_production = uint64_t{1} << 30;  // next build/start
  int64_t pids = 512;
  double cpus = 2.0;                         // CFS quota in CPUs
  uint64_t tmp_bytes = uint64_t{256} << 20;  // tmpfs /tmp (charged to memory)
  uint64_t disk_bytes = uint64_t{1} << 30;   // the project directory
  uint64_t disk_entries = 200000;            // files and dirs in it
};

// The warm pool: pre-started DEV sandboxes running the template app
// (lib/scaffold/warm_template.h), handed over to Creates whose project fits.
struct WarmPoolOptions {
  // Ready sandboxes kept per Tailwind major (3 and 4); 0 disables the pool.
  // Each costs one idle `next dev` (~250-450 MB, almost no CPU).
  int size_per_profile = 0;
  // A pooled sandbox unclaimed this long is replaced by a fresh one (dev
  // servers' memory creeps).
  absl::Duration max_idle = absl::Minutes(30);
  // CPU weight (100 = normal) while filling, so refills yield to user
  // builds; a claimed sandbox gets the normal weight.
  int fill_cpu_weight = 10;
  // How long a fill may take (the first one installs the dependencies).
  absl::Duration fill_timeout = absl::Minutes(10);
  // At start, build the PRODUCTION template of each Tailwind major once per
  // dependency set (even with no pool) and keep its `.next/cache` as the
  // trusted seed of PRODUCTION builds (lib/local/build_cache_seed.h).
  bool seed_build_cache = true;
};

struct LocalProviderOptions {
  // Everything the provider owns lives here, e.g. <--data_dir>/local. It and
  // its ancestors must be traversable (o+x) by the sandbox uids.
  std::string root_dir;
  // The npm cache shared by install sandboxes (never mounted into an app).
  // Empty: <root_dir>/npm-cache.
  std::string npm_cache_dir;
  SandboxLimits limits;
  // Preview URL: http://{sandbox_id}.{preview_base_domain}:{preview_http_port}/
  // The port is read when a URL is made: sandboxd publishes its HTTP front's
  // port once bound.
  std::string preview_base_domain = "preview.localhost";
  std::shared_ptr<const std::atomic<int>> preview_http_port =
      std::make_shared<std::atomic<int>>(8080);
  // Sandboxes run as uid/gid uid_base+1+N (one per sandbox); uid_base itself
  // runs the dependency installs. The range must be unused on the host and
  // distinct for every provider instance sharing the machine.
  uid_t uid_base = 200000;
  uid_t uid_count = 10000;
  // Name of the per-provider cgroup directory (v1: under each controller's
  // hierarchy root; the cgroup2 mount gets the same name for cgroup.kill).
  // Empty: "sandboxd-" + a hash of root_dir, so that two sandboxd instances
  // on one host never take each other's sandboxes for orphans.
  std::string cgroup_name;
  // Pure cgroup v2 hosts only: absolute path of the delegated directory that
  // will hold the sandbox cgroups (see lib/local/README.md).
  std::string cgroup_v2_parent;
  std::string bwrap_path = "/usr/bin/bwrap";
  WarmPoolOptions warm_pool;
  // The npm registry installs use (https). Install sandboxes reach its
  // host:port through the registry tunnel (lib/local/registry_proxy.h), and
  // nothing else.
  std::string npm_registry = "https://registry.npmjs.org/";
  // How often the disk watchdog measures running sandboxes' project dirs.
  absl::Duration disk_check_interval = absl::Seconds(1);
};

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_LOCAL_PROVIDER_OPTIONS_H_
