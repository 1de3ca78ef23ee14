#include "client/sandboxctl.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/command_runner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/fake_clock.h"

namespace sandboxd::client {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class SandboxctlTest : public ::testing::Test {
 protected:
  int Run(const std::vector<std::string>& args) {
    StubFactory factory = [this](const GlobalOptions& options)
        -> absl::StatusOr<
            std::unique_ptr<sandbox::v1::SandboxService::StubInterface>> {
      ++factory_calls_;
      factory_options_ = options;
      return factory_result_;
    };
    return RunSandboxctl(args, Environment{}, factory, clock_, in_, out_, err_);
  }

  testing::FakeClock clock_{absl::UnixEpoch()};
  std::istringstream in_;
  std::ostringstream out_;
  std::ostringstream err_;
  int factory_calls_ = 0;
  GlobalOptions factory_options_;
  absl::Status factory_result_ =
      absl::NotFoundError("--ca \"ca.pem\": cannot open");
};

TEST_F(SandboxctlTest, UsageErrorExits2WithTheCommandsShortUsage) {
  EXPECT_EQ(Run({"watch", "--after", "x", "sbx-1"}), kExitUsage);
  EXPECT_THAT(err_.str(), StartsWith("error: --after \"x\""));
  EXPECT_THAT(err_.str(), HasSubstr("usage: sandboxctl watch SANDBOX_ID"));
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(factory_calls_, 0);
}

TEST_F(SandboxctlTest, UnknownCommandShowsTheToolsUsage) {
  EXPECT_EQ(Run({"destroy", "x"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("unknown command \"destroy\""));
  EXPECT_THAT(err_.str(), HasSubstr("usage: sandboxctl [global options]"));
}

TEST_F(SandboxctlTest, HelpGoesToStdoutAndExits0) {
  EXPECT_EQ(Run({"list", "--help"}), kExitOk);
  EXPECT_THAT(out_.str(), HasSubstr("--page-token"));
  EXPECT_EQ(err_.str(), "");
  EXPECT_EQ(factory_calls_, 0);
}

TEST_F(SandboxctlTest, ConnectionSetupErrorExits2) {
  EXPECT_EQ(Run({"--tls", "--ca", "ca.pem", "get", "x"}), kExitUsage);
  EXPECT_EQ(factory_calls_, 1);
  EXPECT_TRUE(factory_options_.tls);
  EXPECT_EQ(factory_options_.ca_file, "ca.pem");
  EXPECT_EQ(err_.str(), "error: --ca \"ca.pem\": cannot open\n");
}

}  // namespace
}  // namespace sandboxd::client
