#include "lib/local/link_tree.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "lib/local/fs_util.h"

namespace sandboxd::local {
namespace {

namespace fs = std::filesystem;

class LinkTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sandboxd-linktree-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    src_ = dir_ + "/src";
    fs::create_directories(src_ + "/pkg/lib");
    std::ofstream(src_ + "/pkg/package.json") << "{}";
    std::ofstream(src_ + "/pkg/lib/index.js") << "module.exports = 1;";
    fs::create_directories(src_ + "/.bin");
    fs::create_symlink("../pkg/lib/index.js", src_ + "/.bin/pkg");
    ::chmod((src_ + "/pkg/package.json").c_str(), 0644);
  }
  void TearDown() override { ASSERT_TRUE(RemoveTree(dir_).ok()); }
  static struct stat Stat(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st;
  }
  std::string dir_;
  std::string src_;
};

TEST_F(LinkTreeTest, FilesAreHardLinksAndDirectoriesAreNew) {
  const std::string dest = dir_ + "/dest";
  ASSERT_TRUE(LinkTree(src_, dest, 12345, 12345).ok());
  // Same inode: no data copied.
  EXPECT_EQ(Stat(dest + "/pkg/package.json").st_ino,
            Stat(src_ + "/pkg/package.json").st_ino);
  EXPECT_EQ(Stat(dest + "/pkg/lib/index.js").st_ino,
            Stat(src_ + "/pkg/lib/index.js").st_ino);
  // Directories are the copy's own, owned as asked, so entries can be
  // added to the copy without touching the source.
  struct stat d = Stat(dest + "/pkg");
  EXPECT_NE(d.st_ino, Stat(src_ + "/pkg").st_ino);
  EXPECT_EQ(d.st_uid, 12345u);
  EXPECT_EQ(d.st_mode & 07777, 0755u);
  std::ofstream(dest + "/pkg/new.js") << "x";
  EXPECT_FALSE(fs::exists(src_ + "/pkg/new.js"));
  // Symlinks are recreated, not followed.
  EXPECT_TRUE(S_ISLNK(Stat(dest + "/.bin/pkg").st_mode));
  EXPECT_EQ(fs::read_symlink(dest + "/.bin/pkg"), "../pkg/lib/index.js");
}

TEST_F(LinkTreeTest, DirectorySymlinksAreNotFollowed) {
  fs::create_directories(dir_ + "/outside");
  std::ofstream(dir_ + "/outside/secret") << "s";
  fs::create_symlink(dir_ + "/outside", src_ + "/escape");
  const std::string dest = dir_ + "/dest";
  ASSERT_TRUE(LinkTree(src_, dest, 0, 0).ok());
  EXPECT_TRUE(S_ISLNK(Stat(dest + "/escape").st_mode));
  EXPECT_FALSE(fs::exists(fs::symlink_status(dest + "/escape/secret")) &&
               !fs::is_symlink(fs::symlink_status(dest + "/escape")));
}

TEST_F(LinkTreeTest, RefusesAnExistingDestinationAndAMissingSource) {
  fs::create_directories(dir_ + "/dest");
  EXPECT_EQ(LinkTree(src_, dir_ + "/dest", 0, 0).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(LinkTree(dir_ + "/nope", dir_ + "/dest2", 0, 0).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sandboxd::local
