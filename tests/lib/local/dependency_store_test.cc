// DependencyStore on a real directory (needs root: entries are chowned).
#include "lib/local/dependency_store.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/local/fs_util.h"

namespace sandboxd::local {
namespace {

constexpr char kFp[] = "0123456789abcdef";

class DependencyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    char tmpl[] = "/tmp/sandboxd-deps-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    store_ = std::make_unique<DependencyStore>(dir_ + "/deps", 4242);
    ASSERT_TRUE(store_->Init().ok());
  }
  void TearDown() override {
    if (!dir_.empty()) {
      EXPECT_TRUE(RemoveTree(dir_).ok());
    }
  }
  static CallContext Ctx() {
    return CallContext(absl::Now() + absl::Seconds(10));
  }

  std::string dir_;
  std::unique_ptr<DependencyStore> store_;
};

absl::Status MakeNodeModules(const std::string& staging) {
  struct stat st;
  if (::stat(staging.c_str(), &st) != 0 || st.st_uid != 4242) {
    return absl::InternalError("staging not owned by the installer");
  }
  ::mkdir((staging + "/node_modules").c_str(), 0777);
  std::ofstream(staging + "/node_modules/x.js") << "1";
  ::chmod((staging + "/node_modules/x.js").c_str(), 0666);
  return absl::OkStatus();
}

TEST_F(DependencyStoreTest, InstallsOnceThenReusesAndPublishesReadOnly) {
  int runs = 0;
  auto install = [&](const std::string& staging) {
    ++runs;
    return MakeNodeModules(staging);
  };
  absl::StatusOr<bool> first = store_->Ensure(kFp, install, Ctx());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(*first);
  absl::StatusOr<bool> second = store_->Ensure(kFp, install, Ctx());
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  EXPECT_EQ(runs, 1);
  struct stat st;
  ASSERT_EQ(::stat((store_->NodeModulesDir(kFp) + "/x.js").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_mode & 022, 0u);
  ASSERT_EQ(::stat(store_->NodeModulesDir(kFp).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 022, 0u);
}

TEST_F(DependencyStoreTest, FailedInstallPublishesNothing) {
  absl::StatusOr<bool> failed = store_->Ensure(
      kFp,
      [](const std::string&) {
        return absl::FailedPreconditionError("npm ERR");
      },
      Ctx());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(store_->Has(kFp));
  absl::StatusOr<bool> empty = store_->Ensure(
      kFp, [](const std::string&) { return absl::OkStatus(); }, Ctx());
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(store_->Has(kFp));
}

TEST_F(DependencyStoreTest, RejectsFingerprintsThatAreNotHex) {
  auto install = [](const std::string& s) { return MakeNodeModules(s); };
  EXPECT_EQ(store_->Ensure("../../etc", install, Ctx()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(DependencyStoreTest, InitRemovesStagingOfDeadInstallers) {
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_EQ(::waitpid(dead, nullptr, 0), dead);
  std::string stale =
      absl::StrCat(dir_, "/deps/.staging/", kFp, "-", dead, "-0");
  std::string live =
      absl::StrCat(dir_, "/deps/.staging/", kFp, "-", ::getpid(), "-7");
  ASSERT_EQ(::mkdir(stale.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(live.c_str(), 0755), 0);
  ASSERT_TRUE(store_->Init().ok());
  struct stat st;
  EXPECT_NE(::stat(stale.c_str(), &st), 0);
  EXPECT_EQ(::stat(live.c_str(), &st), 0);
}

}  // namespace
}  // namespace sandboxd::local
