// Test helper for lib/local's integration and e2e tests: a LocalProvider
// rooted in a fresh directory, with its own cgroup name and uid range so
// concurrent test runs on one machine do not collide; everything it made
// is removed at the end. Not thread-safe; one per test.
#ifndef SANDBOXD_TESTS_LIB_LOCAL_LOCAL_TEST_ENV_H_
#define SANDBOXD_TESTS_LIB_LOCAL_LOCAL_TEST_ENV_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/local/local_provider.h"

namespace sandboxd::local::testing {

class LocalTestEnv {
 public:
  // Fails the calling test (ASSERT) on error; `customize` edits the options.
  static std::unique_ptr<LocalTestEnv> Make(
      const std::function<void(LocalProviderOptions&)>& customize = nullptr);
  ~LocalTestEnv();

  LocalProvider& provider() { return *provider_; }
  const LocalProviderOptions& options() const { return options_; }
  // Drops the provider (its processes die, files stay) and makes a new one
  // on the same root, as after a sandboxd restart.
  void Restart();
  // Provisions `id` in DEV mode and uploads `files`.
  absl::Status Create(const std::string& id,
                      const std::map<std::string, std::string>& files = {});
  std::string CgroupFile(const std::string& id, const std::string& controller,
                         const std::string& file) const;
  // Host pids whose uid is `uid`, zombies excluded (the host's init reaps
  // a sandbox init that bwrap left behind).
  static std::vector<int> ProcessesOfUid(uid_t uid);
  uid_t UidOf(const std::string& id) const;

 private:
  LocalTestEnv() = default;
  LocalProviderOptions options_;
  std::unique_ptr<LocalProvider> provider_;
};

// Collects output lines. Thread-safe.
class LineCollector {
 public:
  OutputSink sink() {
    return [this](OutputStream stream, std::string_view line) {
      absl::MutexLock lock(&mu_);
      lines_.emplace_back(stream, std::string(line));
    };
  }
  std::vector<std::pair<OutputStream, std::string>> lines() const {
    absl::MutexLock lock(&mu_);
    return lines_;
  }
  // All lines, newline-joined.
  std::string Text() const;
  int Count(std::string_view needle) const;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::pair<OutputStream, std::string>> lines_ ABSL_GUARDED_BY(mu_);
};

CallContext Within(absl::Duration timeout);

}  // namespace sandboxd::local::testing

#endif  // SANDBOXD_TESTS_LIB_LOCAL_LOCAL_TEST_ENV_H_
