#include "lib/auth/secret_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace sandboxd::auth {
namespace {

using ::sandboxd::testing::IsOk;
using ::sandboxd::testing::StatusIs;
using ::testing::HasSubstr;

class SecretStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/secret_store_test.XXXXXX";
    ASSERT_NE(mkdtemp(&pattern[0]), nullptr);
    root_ = pattern;
    data_dir_ = root_ + "/data";
  }
  void TearDown() override {
    ASSERT_EQ(std::system(("rm -rf '" + root_ + "'").c_str()), 0);
  }

  static mode_t Mode(const std::string& path) {
    struct stat st;
    EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }

  static void WriteFile(const std::string& path, const std::string& contents,
                        mode_t mode) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
  }

  std::string root_;
  std::string data_dir_;
};

TEST_F(SecretStoreTest, CreatesPrivateSecretOnFirstUse) {
  bool created = false;
  absl::StatusOr<std::string> secret =
      LoadOrCreateHs256Secret(data_dir_, &created);
  ASSERT_THAT(secret, IsOk());
  EXPECT_TRUE(created);
  EXPECT_EQ(secret->size(), 32u);
  EXPECT_EQ(Hs256SecretPath(data_dir_), data_dir_ + "/auth/hs256.key");
  EXPECT_EQ(Mode(Hs256SecretPath(data_dir_)), 0600u);
  EXPECT_EQ(Mode(data_dir_ + "/auth"), 0700u);
  EXPECT_EQ(Mode(data_dir_), 0700u);
}

TEST_F(SecretStoreTest, ReturnsTheSameSecretLater) {
  absl::StatusOr<std::string> first = LoadOrCreateHs256Secret(data_dir_);
  bool created = true;
  absl::StatusOr<std::string> second =
      LoadOrCreateHs256Secret(data_dir_, &created);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(*first, *second);
  EXPECT_FALSE(created);
}

TEST_F(SecretStoreTest, PreviewSecretIsPrivateStableAndApartFromJwtSecret) {
  absl::StatusOr<std::string> preview = LoadOrCreatePreviewSecret(data_dir_);
  ASSERT_THAT(preview, IsOk());
  EXPECT_EQ(preview->size(), 32u);
  EXPECT_EQ(PreviewSecretPath(data_dir_), data_dir_ + "/auth/preview.key");
  EXPECT_EQ(Mode(PreviewSecretPath(data_dir_)), 0600u);
  absl::StatusOr<std::string> again = LoadOrCreatePreviewSecret(data_dir_);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, *preview);
  absl::StatusOr<std::string> jwt = LoadOrCreateHs256Secret(data_dir_);
  ASSERT_THAT(jwt, IsOk());
  EXPECT_NE(*jwt, *preview);
}

TEST_F(SecretStoreTest, SecretsAreRandom) {
  absl::StatusOr<std::string> a = LoadOrCreateHs256Secret(root_ + "/a");
  absl::StatusOr<std::string> b = LoadOrCreateHs256Secret(root_ + "/b");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_NE(*a, *b);
  EXPECT_NE(*a, std::string(32, '\0'));
}

TEST_F(SecretStoreTest, ConcurrentCreatorsAgreeOnOneSecret) {
  constexpr int kThreads = 8;
  std::vector<absl::StatusOr<std::string>> results(kThreads);
  std::vector<bool> created(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      bool c = false;
      results[i] = LoadOrCreateHs256Secret(data_dir_, &c);
      created[i] = c;
    });
  }
  for (std::thread& thread : threads) thread.join();
  int creators = 0;
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_THAT(results[i], IsOk());
    EXPECT_EQ(*results[i], *results[0]);
    creators += created[i] ? 1 : 0;
  }
  EXPECT_EQ(creators, 1);
}

TEST_F(SecretStoreTest, RefusesGroupOrWorldReadableKeyFile) {
  ASSERT_THAT(LoadOrCreateHs256Secret(data_dir_), IsOk());
  const std::string path = Hs256SecretPath(data_dir_);
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
    absl::StatusOr<std::string> secret = LoadOrCreateHs256Secret(data_dir_);
    EXPECT_THAT(secret, StatusIs(absl::StatusCode::kFailedPrecondition, path));
    EXPECT_THAT(std::string(secret.status().message()),
                HasSubstr("run: chmod 600 " + path));
  }
}

TEST_F(SecretStoreTest, RefusesAccessibleAuthDirectory) {
  ASSERT_THAT(LoadOrCreateHs256Secret(data_dir_), IsOk());
  const std::string dir = data_dir_ + "/auth";
  ASSERT_EQ(chmod(dir.c_str(), 0755), 0);
  EXPECT_THAT(
      LoadOrCreateHs256Secret(data_dir_),
      StatusIs(absl::StatusCode::kFailedPrecondition, "run: chmod 700 " + dir));
}

TEST_F(SecretStoreTest, RefusesSymlinkedKeyFile) {
  ASSERT_EQ(mkdir(data_dir_.c_str(), 0700), 0);
  ASSERT_EQ(mkdir((data_dir_ + "/auth").c_str(), 0700), 0);
  WriteFile(root_ + "/elsewhere", std::string(32, 'x'), 0600);
  ASSERT_EQ(symlink((root_ + "/elsewhere").c_str(),
                    Hs256SecretPath(data_dir_).c_str()),
            0);
  EXPECT_THAT(LoadOrCreateHs256Secret(data_dir_),
              StatusIs(absl::StatusCode::kFailedPrecondition, "symlink"));
}

TEST_F(SecretStoreTest, UsesAnOperatorProvidedSecret) {
  ASSERT_EQ(mkdir(data_dir_.c_str(), 0700), 0);
  ASSERT_EQ(mkdir((data_dir_ + "/auth").c_str(), 0700), 0);
  const std::string secret(48, 'o');
  WriteFile(Hs256SecretPath(data_dir_), secret, 0400);
  bool created = true;
  EXPECT_EQ(LoadOrCreateHs256Secret(data_dir_, &created).value_or(""), secret);
  EXPECT_FALSE(created);
}

TEST_F(SecretStoreTest, RefusesShortKeyFile) {
  ASSERT_EQ(mkdir(data_dir_.c_str(), 0700), 0);
  ASSERT_EQ(mkdir((data_dir_ + "/auth").c_str(), 0700), 0);
  WriteFile(Hs256SecretPath(data_dir_), "short", 0600);
  EXPECT_THAT(LoadOrCreateHs256Secret(data_dir_),
              StatusIs(absl::StatusCode::kFailedPrecondition, "fewer than 32"));
}

TEST_F(SecretStoreTest, RejectsEmptyDataDir) {
  EXPECT_THAT(LoadOrCreateHs256Secret(""),
              StatusIs(absl::StatusCode::kInvalidArgument, "data_dir"));
}

TEST_F(SecretStoreTest, ReadsKeyFiles) {
  const std::string path = root_ + "/key.pem";
  WriteFile(path, "-----BEGIN PUBLIC KEY-----\n", 0644);
  EXPECT_EQ(ReadKeyFile(path).value_or(""), "-----BEGIN PUBLIC KEY-----\n");
  EXPECT_THAT(ReadSecretKeyFile(path),
              StatusIs(absl::StatusCode::kFailedPrecondition, "chmod 600"));
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  EXPECT_THAT(ReadSecretKeyFile(path), IsOk());
  EXPECT_THAT(ReadKeyFile(root_ + "/missing"),
              StatusIs(absl::StatusCode::kNotFound, "missing"));
  EXPECT_THAT(ReadKeyFile(root_),
              StatusIs(absl::StatusCode::kFailedPrecondition, "regular file"));
  WriteFile(path, std::string(kMaxKeyFileBytes + 1, 'x'), 0600);
  EXPECT_THAT(ReadKeyFile(path),
              StatusIs(absl::StatusCode::kFailedPrecondition, "larger than"));
}

}  // namespace
}  // namespace sandboxd::auth
