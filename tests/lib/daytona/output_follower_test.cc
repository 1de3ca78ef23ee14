#include "lib/daytona/output_follower.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::daytona {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

class OutputFollowerTest : public ::testing::Test {
 protected:
  OutputSink Sink() {
    return [this](OutputStream stream, std::string_view line) {
      lines_.emplace_back(stream, std::string(line));
    };
  }
  std::vector<std::pair<OutputStream, std::string>> lines_;
};

constexpr OutputStream kOut = OutputStream::kStdout;
constexpr OutputStream kErr = OutputStream::kStderr;

TEST_F(OutputFollowerTest, EmitsOnlyNewCompleteLinesPerStream) {
  OutputFollower follower(Sink());
  follower.Update(CommandLogs{"added 1", "warn: a"});
  EXPECT_TRUE(lines_.empty());
  follower.Update(CommandLogs{"added 1 package\nfound 0", "warn: a\n"});
  follower.Update(CommandLogs{"added 1 package\nfound 0 vulns\n", "warn: a\n"});
  EXPECT_THAT(lines_,
              ElementsAre(Pair(kOut, "added 1 package"), Pair(kErr, "warn: a"),
                          Pair(kOut, "found 0 vulns")));
}

TEST_F(OutputFollowerTest, FinishFlushesPartialLinesAndStripsCarriageReturns) {
  OutputFollower follower(Sink());
  follower.Update(CommandLogs{"one\r\ntwo", "err"});
  follower.Finish();
  EXPECT_THAT(lines_, ElementsAre(Pair(kOut, "one"), Pair(kOut, "two"),
                                  Pair(kErr, "err")));
}

TEST_F(OutputFollowerTest, RereadsAStreamThatShrank) {
  OutputFollower follower(Sink());
  follower.Update(CommandLogs{"a\nb\n", ""});
  follower.Update(CommandLogs{"c\n", ""});
  EXPECT_THAT(lines_,
              ElementsAre(Pair(kOut, "a"), Pair(kOut, "b"), Pair(kOut, "c")));
}

TEST_F(OutputFollowerTest, TailKeepsTheLastLines) {
  OutputFollower follower(Sink(), 2);
  follower.Update(CommandLogs{"1\n2\n3\n", "E\n"});
  EXPECT_EQ(follower.Tail(), "3\nE");
}

}  // namespace
}  // namespace sandboxd::daytona
