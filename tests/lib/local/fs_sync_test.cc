// The file operations behind LocalProvider::Upload's in-place sync: atomic
// replacement and removal of what a new tree no longer has.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "lib/local/fs_util.h"

namespace sandboxd::local {
namespace {

class FsSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sandboxd-fssync-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { ASSERT_TRUE(RemoveTree(dir_).ok()); }
  void Write(const std::string& rel, const std::string& content) {
    ASSERT_TRUE(
        WriteFileNoFollow(dir_, rel, content, ::getuid(), ::getgid()).ok());
  }
  bool Exists(const std::string& rel) {
    struct stat st;
    return ::lstat((dir_ + "/" + rel).c_str(), &st) == 0;
  }
  std::string dir_;
};

TEST_F(FsSyncTest, ReplacingAFileChangesItsInodeAndLeavesNoTemporary) {
  Write("app/page.tsx", "old");
  struct stat before, after;
  ASSERT_EQ(::stat((dir_ + "/app/page.tsx").c_str(), &before), 0);
  Write("app/page.tsx", "new");
  ASSERT_EQ(::stat((dir_ + "/app/page.tsx").c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);  // renamed into place
  std::ifstream in(dir_ + "/app/page.tsx");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "new");
  ASSERT_TRUE(RemoveFilesNotIn(dir_, {"app/page.tsx"}, {}).ok());
  EXPECT_TRUE(Exists("app/page.tsx"));  // and nothing else was left behind
}

TEST_F(FsSyncTest, AHardLinkPlantedAtThePathIsReplacedNotWrittenThrough) {
  std::ofstream(dir_ + "/outside") << "original";
  ASSERT_EQ(::link((dir_ + "/outside").c_str(), (dir_ + "/file").c_str()), 0);
  Write("file", "replaced");
  std::ifstream in(dir_ + "/outside");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "original");
}

TEST_F(FsSyncTest, RemovesWhatTheTreeNoLongerHasAndEmptiedDirectories) {
  Write("app/page.tsx", "x");
  Write("app/old/page.tsx", "x");
  Write("components/Button.tsx", "x");
  Write("node_modules/next/index.js", "x");
  Write(".next/cache/x", "x");
  ASSERT_EQ(::symlink("/etc/passwd", (dir_ + "/app/link").c_str()), 0);
  ASSERT_TRUE(
      RemoveFilesNotIn(dir_, {"app/page.tsx"}, {"node_modules", ".next"}).ok());
  EXPECT_TRUE(Exists("app/page.tsx"));
  EXPECT_FALSE(Exists("app/old"));
  EXPECT_FALSE(Exists("components"));
  EXPECT_FALSE(Exists("app/link"));  // the link itself, never its target
  EXPECT_TRUE(Exists("node_modules/next/index.js"));
  EXPECT_TRUE(Exists(".next/cache/x"));
  struct stat st;
  EXPECT_EQ(::stat("/etc/passwd", &st), 0);
}

}  // namespace
}  // namespace sandboxd::local
