#include "tests/lib/local/local_test_env.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/local/fs_util.h"

namespace sandboxd::local::testing {

CallContext Within(absl::Duration timeout) {
  return CallContext(absl::Now() + timeout);
}

std::unique_ptr<LocalTestEnv> LocalTestEnv::Make(
    const std::function<void(LocalProviderOptions&)>& customize) {
  std::unique_ptr<LocalTestEnv> env(new LocalTestEnv());
  char tmpl[] = "/tmp/sandboxd-local-test-XXXXXX";
  EXPECT_NE(::mkdtemp(tmpl), nullptr);
  ::chmod(tmpl, 0711);
  LocalProviderOptions& options = env->options_;
  options.root_dir = tmpl;
  const char* cache = std::getenv("SANDBOXD_TEST_CACHE_DIR");
  options.npm_cache_dir = cache != nullptr ? cache : "/tmp/sandboxd-test-cache";
  // Distinct per test process: uid range and cgroup name.
  const int slot = ::getpid() % 4000;
  options.uid_base = 300000 + static_cast<uid_t>(slot) * 64;
  options.uid_count = 64;
  options.cgroup_name = absl::StrCat("sandboxd-test-", ::getpid());
  options.disk_check_interval = absl::Milliseconds(200);
  // A seed build would compete with the tests' own; tests opt in.
  options.warm_pool.seed_build_cache = false;
  if (customize) customize(options);
  absl::StatusOr<std::unique_ptr<LocalProvider>> provider =
      MakeLocalProvider(options);
  EXPECT_TRUE(provider.ok()) << provider.status();
  if (!provider.ok()) return nullptr;
  env->provider_ = *std::move(provider);
  env->options_ = env->provider_->options();
  return env;
}

void LocalTestEnv::Restart() {
  provider_.reset();
  absl::StatusOr<std::unique_ptr<LocalProvider>> provider =
      MakeLocalProvider(options_);
  ASSERT_TRUE(provider.ok()) << provider.status();
  provider_ = *std::move(provider);
}

LocalTestEnv::~LocalTestEnv() {
  if (provider_ != nullptr) {
    absl::StatusOr<std::vector<ProviderSandbox>> sandboxes =
        provider_->List(Within(absl::Seconds(10)));
    if (sandboxes.ok()) {
      for (const ProviderSandbox& sandbox : *sandboxes) {
        absl::Status destroyed =
            provider_->Destroy(sandbox.sandbox_id, Within(absl::Seconds(20)));
        EXPECT_TRUE(destroyed.ok()) << sandbox.sandbox_id << ": " << destroyed;
      }
    }
    provider_.reset();
  }
  for (const char* controller : {"memory", "pids", "cpu", "unified"}) {
    ::rmdir(
        absl::StrCat("/sys/fs/cgroup/", controller, "/", options_.cgroup_name)
            .c_str());
  }
  EXPECT_TRUE(RemoveTree(options_.root_dir).ok());
}

absl::Status LocalTestEnv::Create(
    const std::string& id, const std::map<std::string, std::string>& files) {
  ProvisionSpec spec;
  spec.sandbox_id = id;
  absl::Status provisioned =
      provider_->Provision(spec, Within(absl::Seconds(10)));
  if (!provisioned.ok()) return provisioned;
  return provider_->Upload(id, files, Within(absl::Seconds(10)));
}

std::string LocalTestEnv::CgroupFile(const std::string& id,
                                     const std::string& controller,
                                     const std::string& file) const {
  std::ifstream in(absl::StrCat("/sys/fs/cgroup/", controller, "/",
                                options_.cgroup_name, "/", id, "/", file));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<int> LocalTestEnv::ProcessesOfUid(uid_t uid) {
  std::vector<int> pids;
  DIR* proc = ::opendir("/proc");
  while (struct dirent* entry = proc ? ::readdir(proc) : nullptr) {
    int pid = std::atoi(entry->d_name);
    struct stat st;
    if (pid > 0 && ::stat(absl::StrCat("/proc/", pid).c_str(), &st) == 0 &&
        st.st_uid == uid) {
      // A zombie waiting for the host's init to reap it is not running.
      std::ifstream stat_file(absl::StrCat("/proc/", pid, "/stat"));
      std::string line;
      std::getline(stat_file, line);
      size_t paren = line.rfind(')');
      if (paren != std::string::npos && line.substr(paren + 2, 1) == "Z")
        continue;
      pids.push_back(pid);
    }
  }
  if (proc) ::closedir(proc);
  return pids;
}

uid_t LocalTestEnv::UidOf(const std::string& id) const {
  struct stat st;
  if (::stat(provider_->ProjectDir(id).c_str(), &st) != 0) return 0;
  return st.st_uid;
}

std::string LineCollector::Text() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> text;
  for (const auto& [stream, line] : lines_) text.push_back(line);
  return absl::StrJoin(text, "\n");
}

int LineCollector::Count(std::string_view needle) const {
  absl::MutexLock lock(&mu_);
  int count = 0;
  for (const auto& [stream, line] : lines_) {
    if (absl::StrContains(line,
                          absl::string_view(needle.data(), needle.size())))
      ++count;
  }
  return count;
}

}  // namespace sandboxd::local::testing
