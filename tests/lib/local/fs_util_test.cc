#include "lib/local/fs_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sandboxd::local {
namespace {

class FsUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sandboxd-fsutil-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { ASSERT_TRUE(RemoveTree(dir_).ok()); }
  std::string Read(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string dir_;
};

TEST(ValidateRelativePathTest, RejectsEscapesAndOddPaths) {
  EXPECT_TRUE(ValidateRelativePath("app/page.tsx").ok());
  for (const char* bad :
       {"", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/"}) {
    EXPECT_EQ(ValidateRelativePath(bad).code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(FsUtilTest, WritesNestedFilesWithOwner) {
  ASSERT_TRUE(
      WriteFileNoFollow(dir_, "app/x/page.tsx", "hi", ::getuid(), ::getgid())
          .ok());
  EXPECT_EQ(Read(dir_ + "/app/x/page.tsx"), "hi");
}

TEST_F(FsUtilTest, DoesNotFollowPlantedSymlinks) {
  std::string outside = dir_ + "/outside";
  ASSERT_EQ(::mkdir(outside.c_str(), 0755), 0);
  std::string project = dir_ + "/project";
  ASSERT_EQ(::mkdir(project.c_str(), 0755), 0);
  std::ofstream(outside + "/victim") << "original";
  // A directory symlink and a file symlink, as a sandbox could plant them.
  ASSERT_EQ(::symlink(outside.c_str(), (project + "/dir").c_str()), 0);
  ASSERT_EQ(
      ::symlink((outside + "/victim").c_str(), (project + "/file").c_str()), 0);

  absl::Status through_dir =
      WriteFileNoFollow(project, "dir/victim", "x", ::getuid(), ::getgid());
  EXPECT_EQ(through_dir.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(
      WriteFileNoFollow(project, "file", "replaced", ::getuid(), ::getgid())
          .ok());
  EXPECT_EQ(Read(outside + "/victim"), "original");
  EXPECT_EQ(Read(project + "/file"), "replaced");
}

TEST_F(FsUtilTest, DiskUsageCountsHardLinksOnceAndSkipsSymlinkTargets) {
  std::string big(1 << 20, 'x');
  std::ofstream(dir_ + "/a") << big;
  ASSERT_EQ(::link((dir_ + "/a").c_str(), (dir_ + "/b").c_str()), 0);
  ASSERT_EQ(::symlink("/usr", (dir_ + "/usr").c_str()), 0);
  absl::StatusOr<uint64_t> used = DiskUsage(dir_);
  ASSERT_TRUE(used.ok()) << used.status();
  EXPECT_GE(*used, 1u << 20);
  EXPECT_LT(*used, 2u << 20);
}

TEST_F(FsUtilTest, DiskUsageRefusesTooManyEntriesOrTooDeepTrees) {
  for (int i = 0; i < 5; ++i)
    std::ofstream(dir_ + "/f" + std::to_string(i)) << "x";
  EXPECT_EQ(DiskUsage(dir_, 3).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(DiskUsage(dir_, 100).ok());
  std::string deep = dir_;
  for (int i = 0; i < 300; ++i) {
    deep += "/d";
    ASSERT_EQ(::mkdir(deep.c_str(), 0755), 0);
  }
  EXPECT_EQ(DiskUsage(dir_).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(FsUtilTest, ClearDirectoryKeepsNamedEntries) {
  std::ofstream(dir_ + "/a") << "1";
  ASSERT_EQ(::mkdir((dir_ + "/node_modules").c_str(), 0755), 0);
  ASSERT_TRUE(ClearDirectory(dir_, {"node_modules"}).ok());
  struct stat st;
  EXPECT_NE(::stat((dir_ + "/a").c_str(), &st), 0);
  EXPECT_EQ(::stat((dir_ + "/node_modules").c_str(), &st), 0);
}

TEST_F(FsUtilTest, CopyTreeMakesOwnedCopiesAndSkipsSymlinks) {
  const std::string source = dir_ + "/seed";
  ASSERT_EQ(::mkdir(source.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((source + "/turbopack").c_str(), 0700), 0);
  std::ofstream(source + "/turbopack/00001.sst") << "cache";
  std::ofstream(source + "/run.sh") << "#!/bin/sh";
  ASSERT_EQ(::chmod((source + "/run.sh").c_str(), 0700), 0);
  std::ofstream(dir_ + "/secret") << "secret";
  ASSERT_EQ(::symlink((dir_ + "/secret").c_str(), (source + "/link").c_str()),
            0);
  ASSERT_EQ(::symlink(dir_.c_str(), (source + "/dirlink").c_str()), 0);
  const std::string project = dir_ + "/project";
  ASSERT_EQ(::mkdir(project.c_str(), 0755), 0);
  // Root chowns to a sandbox uid; anyone else can only give files to itself.
  const uid_t uid = ::geteuid() == 0 ? 4242 : ::getuid();
  const gid_t gid = ::geteuid() == 0 ? 4242 : ::getgid();

  ASSERT_TRUE(CopyTree(source, project, ".next/cache", uid, gid).ok());

  const std::string copy = project + "/.next/cache";
  EXPECT_EQ(Read(copy + "/turbopack/00001.sst"), "cache");
  struct stat original, copied;
  ASSERT_EQ(::stat((source + "/turbopack/00001.sst").c_str(), &original), 0);
  ASSERT_EQ(::stat((copy + "/turbopack/00001.sst").c_str(), &copied), 0);
  EXPECT_NE(copied.st_ino, original.st_ino);  // a copy, not a hard link
  EXPECT_EQ(copied.st_uid, uid);
  EXPECT_EQ(copied.st_gid, gid);
  EXPECT_EQ(copied.st_mode & 0777, 0644u);
  ASSERT_EQ(::stat((copy + "/run.sh").c_str(), &copied), 0);
  EXPECT_EQ(copied.st_mode & 0777, 0755u);
  for (const char* dir : {"/.next", "/.next/cache", "/.next/cache/turbopack"}) {
    ASSERT_EQ(::stat((project + dir).c_str(), &copied), 0) << dir;
    EXPECT_EQ(copied.st_uid, uid) << dir;
    EXPECT_EQ(copied.st_mode & 0777, 0755u) << dir;
  }
  EXPECT_NE(::lstat((copy + "/link").c_str(), &copied), 0);
  EXPECT_NE(::lstat((copy + "/dirlink").c_str(), &copied), 0);
  // Nothing but the published tree is left next to it.
  std::vector<std::string> names;
  for (const auto& entry :
       std::filesystem::directory_iterator(project + "/.next")) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"cache"});
}

TEST_F(FsUtilTest, CopyTreeRefusesExistingOrRedirectedDestinations) {
  const std::string source = dir_ + "/seed";
  ASSERT_EQ(::mkdir(source.c_str(), 0755), 0);
  std::ofstream(source + "/file") << "x";
  const std::string outside = dir_ + "/outside";
  ASSERT_EQ(::mkdir(outside.c_str(), 0755), 0);
  const std::string project = dir_ + "/project";
  ASSERT_EQ(::mkdir(project.c_str(), 0755), 0);
  ASSERT_EQ(::symlink(outside.c_str(), (project + "/.next").c_str()), 0);

  EXPECT_EQ(
      CopyTree(source, project, ".next/cache", ::getuid(), ::getgid()).code(),
      absl::StatusCode::kInternal);
  struct stat st;
  EXPECT_NE(::lstat((outside + "/cache").c_str(), &st), 0);

  ASSERT_EQ(::mkdir((project + "/cache").c_str(), 0755), 0);
  EXPECT_EQ(CopyTree(source, project, "cache", ::getuid(), ::getgid()).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_NE(::lstat((project + "/cache/file").c_str(), &st), 0);
  EXPECT_EQ(
      CopyTree(dir_ + "/none", project, "other", ::getuid(), ::getgid()).code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(
      CopyTree(source, project, "../escape", ::getuid(), ::getgid()).code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sandboxd::local
