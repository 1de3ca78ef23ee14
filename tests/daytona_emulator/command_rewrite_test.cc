#include "tests/daytona_emulator/command_rewrite.h"

#include "gtest/gtest.h"

namespace sandboxd::emulator {
namespace {

int Plus40000(int port) { return port + 40000; }

TEST(CommandRewriteTest, MapsPortFlagsAndNarrowsWildcardBinds) {
  EXPECT_EQ(
      RewriteCommand("exec node_modules/.bin/next start -H 0.0.0.0 -p 3000",
                     Plus40000),
      "exec node_modules/.bin/next start -H 127.0.0.1 -p 43000");
  EXPECT_EQ(RewriteCommand("PORT=3001 node s.js --port=8080 --hostname 0.0.0.0",
                           Plus40000),
            "PORT=43001 node s.js --port=48080 --hostname 127.0.0.1");
}

TEST(CommandRewriteTest, LeavesOtherNumbersAlone) {
  EXPECT_EQ(
      RewriteCommand("echo 3000; sleep 5; X-p 3000; MYPORT=3000", Plus40000),
      "echo 3000; sleep 5; X-p 3000; MYPORT=3000");
  EXPECT_EQ(RewriteCommand("-H 0.0.0.01", Plus40000), "-H 0.0.0.01");
}

}  // namespace
}  // namespace sandboxd::emulator
