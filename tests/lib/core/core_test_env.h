// Shared set-up for lib/core tests: a real SQLite store in a temp dir, the
// scripted FakeProvider, a FakeClock and helpers that wait on build events
// (never on wall-clock sleeps).
#ifndef SANDBOXD_TESTS_LIB_CORE_CORE_TEST_ENV_H_
#define SANDBOXD_TESTS_LIB_CORE_CORE_TEST_ENV_H_

#include <filesystem>
#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "lib/core/sandbox_manager.h"
#include "lib/store/sqlite_store.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_provider.h"

namespace sandboxd::testing {

inline std::string MakeTempDir() {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "sandboxd-test-XXXXXX")
          .string();
  return std::string(mkdtemp(tmpl.data()));
}

// The frontend's request shape: bare page.tsx / layout.tsx / globals.css.
inline sandbox::v1::CreateSandboxRequest FrontendRequest(
    const std::string& marker = "hello-sandbox") {
  sandbox::v1::CreateSandboxRequest request;
  (*request.mutable_generated_code())["page.tsx"] =
      "export default function Page() { return <h1>" + marker + "</h1>; }\n";
  (*request.mutable_generated_code())["layout.tsx"] =
      "import './globals.css';\n"
      "export default function RootLayout({ children }: { children: "
      "React.ReactNode }) {\n  return <html lang=\"en\"><body>{children}"
      "</body></html>;\n}\n";
  (*request.mutable_generated_code())["globals.css"] =
      "@tailwind base;\n@tailwind components;\n@tailwind utilities;\n";
  request.set_project_name("demo");
  return request;
}

class CoreTestEnv {
 public:
  explicit CoreTestEnv(ManagerOptions options = {}, bool with_provider = true)
      : dir_(MakeTempDir()), clock_(std::make_shared<FakeClock>()) {
    SqliteStoreOptions store_options;
    store_options.path = dir_ + "/sandboxd.db";
    auto store = OpenSqliteStore(store_options);
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    options_ = options;
    with_provider_ = with_provider;
    Restart();
  }
  ~CoreTestEnv() {
    manager_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A new manager on the same store and provider (a server restart).
  void Restart() {
    manager_.reset();
    manager_ = std::make_unique<SandboxManager>(
        store_.get(), with_provider_ ? &provider_ : nullptr, clock_, nullptr,
        options_);
  }

  SandboxManager& manager() { return *manager_; }
  FakeProvider& provider() { return provider_; }
  FakeClock& clock() { return *clock_; }
  Store& store() { return *store_; }

  // Waits (on events, up to 20 s) until the sandbox leaves PENDING/BUILDING
  // and no build is active, and returns it.
  sandbox::v1::Sandbox AwaitSettled(const std::string& id,
                                    const Caller& caller = kAdmin) {
    for (int i = 0; i < 1000; ++i) {
      absl::StatusOr<sandbox::v1::Sandbox> s = manager_->Peek(caller, id);
      if (!s.ok()) {
        ADD_FAILURE() << s.status();
        return {};
      }
      bool building = s->status() == sandbox::v1::SANDBOX_STATUS_PENDING ||
                      s->status() == sandbox::v1::SANDBOX_STATUS_BUILDING ||
                      s->status() == sandbox::v1::SANDBOX_STATUS_DELETING;
      if (!building && !manager_->events().IsActive(id)) return *s;
      absl::Notification woke;
      uint64_t handle = manager_->events().Wait(id, s->last_event_sequence(),
                                                [&woke] { woke.Notify(); });
      if (!woke.WaitForNotificationWithTimeout(absl::Seconds(20))) {
        manager_->events().CancelWait(id, handle);
        ADD_FAILURE() << "sandbox " << id
                      << " did not settle: " << s->DebugString();
        return *s;
      }
    }
    ADD_FAILURE() << "sandbox " << id << " kept changing";
    return {};
  }

  static inline const Caller kAdmin{.owner = "admin", .admin = true};
  static inline const Caller kAlice{.owner = "alice", .admin = false};
  static inline const Caller kBob{.owner = "bob", .admin = false};

 private:
  std::string dir_;
  std::shared_ptr<FakeClock> clock_;
  std::unique_ptr<Store> store_;
  FakeProvider provider_;
  ManagerOptions options_;
  bool with_provider_ = true;
  std::unique_ptr<SandboxManager> manager_;
};

}  // namespace sandboxd::testing

#endif  // SANDBOXD_TESTS_LIB_CORE_CORE_TEST_ENV_H_
