#include "client/command_line.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

absl::StatusOr<Invocation> Parse(std::vector<std::string> args,
                                 Environment env = {}) {
  return ParseCommandLine(args, env);
}

// Asserts a usage error whose message contains `text`.
void ExpectUsageError(std::vector<std::string> args, const std::string& text) {
  absl::StatusOr<Invocation> inv = Parse(args);
  ASSERT_FALSE(inv.ok()) << "parsed: " << ::testing::PrintToString(args);
  EXPECT_EQ(inv.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(inv.status().message()), HasSubstr(text));
}

TEST(CommandLineTest, GetTakesTheIdAndDefaults) {
  absl::StatusOr<Invocation> inv = Parse({"get", "sbx-1"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->command, Command::kGet);
  EXPECT_EQ(inv->sandbox_id, "sbx-1");
  EXPECT_EQ(inv->global.server, "127.0.0.1:50051");
  EXPECT_EQ(inv->global.timeout, absl::Seconds(30));
  EXPECT_EQ(inv->global.token, "");
  EXPECT_EQ(inv->output, OutputFormat::kText);
  EXPECT_TRUE(inv->help.empty());
}

TEST(CommandLineTest, ApplyTakesTheIdFilesAndDeletions) {
  absl::StatusOr<Invocation> inv =
      Parse({"apply", "sbx-3", "--file", "page.tsx=./p.tsx", "--delete",
             "components/Old.tsx", "--delete=lib/x.ts", "--dir", "out"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->command, Command::kApply);
  EXPECT_EQ(inv->sandbox_id, "sbx-3");
  EXPECT_THAT(inv->apply.files, ElementsAre(Pair("page.tsx", "./p.tsx")));
  EXPECT_THAT(inv->apply.deleted,
              ElementsAre("components/Old.tsx", "lib/x.ts"));
  EXPECT_EQ(inv->apply.dir, "out");
  EXPECT_FALSE(inv->apply.wait);
  EXPECT_EQ(inv->global.timeout, absl::Seconds(30));
}

TEST(CommandLineTest, ApplyWaitLengthensTheDefaultTimeout) {
  absl::StatusOr<Invocation> inv =
      Parse({"apply", "sbx-3", "--delete", "a.tsx", "--wait", "--json"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_TRUE(inv->apply.wait);
  EXPECT_EQ(inv->global.timeout, absl::Minutes(10));
  EXPECT_EQ(inv->output, OutputFormat::kJson);
}

TEST(CommandLineTest, ApplyUsageErrors) {
  ExpectUsageError({"apply", "sbx-3"}, "--dir, --file or --delete");
  ExpectUsageError({"apply", "--file", "a=b"}, "exactly one SANDBOX_ID");
  ExpectUsageError({"apply", "sbx-3", "--file", "a.tsx"}, "PATH=LOCALFILE");
  ExpectUsageError({"apply", "sbx-3", "--delete="}, "--delete needs a PATH");
  ExpectUsageError({"apply", "sbx-3", "--delete", "a", "--mode", "dev"},
                   "unknown flag \"--mode\" for apply");
}

TEST(CommandLineTest, GlobalFlagsGoBeforeOrAfterTheCommand) {
  absl::StatusOr<Invocation> inv = Parse(
      {"--server", "h:1", "delete", "sbx-2", "--timeout=5s", "--token", "t0k"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->command, Command::kDelete);
  EXPECT_EQ(inv->sandbox_id, "sbx-2");
  EXPECT_EQ(inv->global.server, "h:1");
  EXPECT_EQ(inv->global.timeout, absl::Seconds(5));
  EXPECT_EQ(inv->global.token, "t0k");
}

TEST(CommandLineTest, TlsEnvironmentTurnsTlsOnAndFlagsWin) {
  Environment env;
  env.tls_ca = "env-ca.pem";
  env.tls_cert = "env-cert.pem";
  env.tls_key = "env-key.pem";
  absl::StatusOr<Invocation> inv = Parse({"get", "x"}, env);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_TRUE(inv->global.tls);
  EXPECT_EQ(inv->global.ca_file, "env-ca.pem");
  EXPECT_EQ(inv->global.cert_file, "env-cert.pem");
  EXPECT_EQ(inv->global.key_file, "env-key.pem");
  inv = Parse({"get", "x", "--cert", "c.pem", "--key", "k.pem"}, env);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->global.cert_file, "c.pem");
  EXPECT_EQ(inv->global.key_file, "k.pem");
  EXPECT_FALSE(Parse({"get", "x"}, Environment{})->global.tls);
}

TEST(CommandLineTest, EnvironmentGivesServerAndTokenAndFlagsWin) {
  Environment env;
  env.server = "env:7";
  env.token = "envtok";
  absl::StatusOr<Invocation> inv = Parse({"get", "x"}, env);
  ASSERT_TRUE(inv.ok());
  EXPECT_EQ(inv->global.server, "env:7");
  EXPECT_EQ(inv->global.token, "envtok");
  inv = Parse({"get", "x", "--server", "flag:8", "--token", "f"}, env);
  ASSERT_TRUE(inv.ok());
  EXPECT_EQ(inv->global.server, "flag:8");
  EXPECT_EQ(inv->global.token, "f");
}

TEST(CommandLineTest, WatchHasNoDeadlineUnlessGiven) {
  absl::StatusOr<Invocation> inv = Parse({"watch", "sbx-3", "--after", "17"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->command, Command::kWatch);
  EXPECT_EQ(inv->watch_after, 17);
  EXPECT_FALSE(inv->global.timeout.has_value());
  inv = Parse({"watch", "sbx-3", "--timeout", "2m", "--json"});
  ASSERT_TRUE(inv.ok());
  EXPECT_EQ(inv->global.timeout, absl::Minutes(2));
  EXPECT_EQ(inv->output, OutputFormat::kJson);
}

TEST(CommandLineTest, ZeroTimeoutMeansNoDeadline) {
  absl::StatusOr<Invocation> inv = Parse({"get", "x", "--timeout", "0"});
  ASSERT_TRUE(inv.ok());
  EXPECT_FALSE(inv->global.timeout.has_value());
}

TEST(CommandLineTest, ListCollectsFilters) {
  absl::StatusOr<Invocation> inv =
      Parse({"list", "--status", "ready", "--status=SANDBOX_STATUS_FAILED",
             "--label", "team=web", "--page-size", "10", "--page-token", "abc",
             "--all", "-o", "json"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->command, Command::kList);
  EXPECT_THAT(inv->list.statuses,
              ElementsAre(sandbox::v1::SANDBOX_STATUS_READY,
                          sandbox::v1::SANDBOX_STATUS_FAILED));
  EXPECT_THAT(inv->list.label_selector, ElementsAre("team=web"));
  EXPECT_EQ(inv->list.page_size, 10);
  EXPECT_EQ(inv->list.page_token, "abc");
  EXPECT_TRUE(inv->list.all);
  EXPECT_EQ(inv->output, OutputFormat::kJson);
}

TEST(CommandLineTest, CreateCollectsSourcesAndFields) {
  absl::StatusOr<Invocation> inv = Parse({"create",
                                          "--dir",
                                          "proj",
                                          "--json",
                                          "-",
                                          "--file",
                                          "app/page.tsx=./p.tsx",
                                          "--project-name",
                                          "shop",
                                          "--description",
                                          "d",
                                          "--build-script",
                                          "npm run b",
                                          "--env",
                                          "A=1",
                                          "--env",
                                          "B=x=y",
                                          "--label",
                                          "k=v",
                                          "--mode",
                                          "production",
                                          "--idle-timeout",
                                          "30m",
                                          "--request-id",
                                          "r1",
                                          "--wait"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  const CreateOptions& c = inv->create;
  EXPECT_EQ(inv->command, Command::kCreate);
  EXPECT_EQ(c.dir, "proj");
  EXPECT_EQ(c.json_file, "-");
  EXPECT_THAT(c.files, ElementsAre(Pair("app/page.tsx", "./p.tsx")));
  EXPECT_EQ(c.project_name, "shop");
  EXPECT_EQ(c.description, "d");
  EXPECT_EQ(c.build_script, "npm run b");
  EXPECT_THAT(c.environment, ElementsAre(Pair("A", "1"), Pair("B", "x=y")));
  EXPECT_THAT(c.labels, ElementsAre(Pair("k", "v")));
  EXPECT_EQ(c.mode, sandbox::v1::MODE_PRODUCTION);
  EXPECT_EQ(c.idle_timeout, absl::Minutes(30));
  EXPECT_EQ(c.request_id, "r1");
  EXPECT_TRUE(c.wait);
  // --json is create's input, not its output format.
  EXPECT_EQ(inv->output, OutputFormat::kText);
  // --wait waits for a whole build, so its default deadline is longer.
  EXPECT_EQ(inv->global.timeout, kDefaultWaitTimeout);
}

TEST(CommandLineTest, HelpForToolAndEachCommand) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}}) {
    absl::StatusOr<Invocation> inv = Parse(args);
    ASSERT_TRUE(inv.ok()) << inv.status();
    EXPECT_THAT(inv->help, HasSubstr("Commands:"));
  }
  for (const std::string cmd :
       {"create", "apply", "get", "list", "delete", "watch"}) {
    absl::StatusOr<Invocation> inv = Parse({cmd, "--help"});
    ASSERT_TRUE(inv.ok()) << cmd << ": " << inv.status();
    EXPECT_THAT(inv->help, HasSubstr("Usage: sandboxctl " + cmd));
    inv = Parse({"help", cmd});
    ASSERT_TRUE(inv.ok());
    EXPECT_THAT(inv->help, HasSubstr("Usage: sandboxctl " + cmd));
  }
}

TEST(CommandLineTest, UsageErrors) {
  ExpectUsageError({}, "no command");
  ExpectUsageError({"frob"}, "unknown command \"frob\"");
  ExpectUsageError({"help", "frob"}, "unknown command \"frob\"");
  ExpectUsageError({"--bogus", "get", "x"}, "unknown flag \"--bogus\"");
  ExpectUsageError({"get", "x", "--all"}, "unknown flag \"--all\" for get");
  ExpectUsageError({"get"}, "get needs exactly one SANDBOX_ID");
  ExpectUsageError({"get", "a", "b"}, "get needs exactly one SANDBOX_ID");
  ExpectUsageError({"delete"}, "delete needs exactly one SANDBOX_ID");
  ExpectUsageError({"watch"}, "watch needs exactly one SANDBOX_ID");
  ExpectUsageError({"list", "extra"}, "list takes no argument");
  ExpectUsageError({"get", "x", "--timeout"}, "--timeout needs a value");
  ExpectUsageError({"get", "x", "--timeout", "soon"}, "--timeout \"soon\"");
  ExpectUsageError({"get", "x", "--timeout", "-5s"}, "--timeout \"-5s\"");
  ExpectUsageError({"get", "x", "--output", "yaml"}, "want text or json");
  ExpectUsageError({"get", "x", "--json=yes"}, "--json takes no value");
  ExpectUsageError({"get", "x", "--ca", "c.pem"}, "--ca needs --tls");
  ExpectUsageError({"get", "x", "--cert", "c.pem", "--key", "k.pem"},
                   "--cert needs --tls");
  ExpectUsageError({"get", "x", "--tls", "--cert", "c.pem"},
                   "--cert needs --key");
  ExpectUsageError({"get", "x", "--tls", "--key", "k.pem"},
                   "--key needs --cert");
  ExpectUsageError({"--server", "", "get", "x"}, "--server needs HOST:PORT");
  ExpectUsageError({"list", "--status", "happy"}, "--status \"happy\"");
  ExpectUsageError({"list", "--status", "unspecified"}, "--status");
  ExpectUsageError({"list", "--label", "novalue"}, "want KEY=VALUE");
  ExpectUsageError({"list", "--page-size", "-1"}, "non-negative integer");
  ExpectUsageError({"list", "--page-size", "9999999999"}, "too large");
  ExpectUsageError({"watch", "x", "--after", "x1"}, "non-negative integer");
  ExpectUsageError({"create"}, "--dir, --json or --file");
  ExpectUsageError({"create", "--file", "a.tsx"}, "want KEY=VALUE");
  ExpectUsageError({"create", "--file", "a.tsx="}, "want PATH=LOCALFILE");
  ExpectUsageError({"create", "--dir", "d", "--env", "=1"}, "want KEY=VALUE");
  ExpectUsageError({"create", "--dir", "d", "--mode", "turbo"},
                   "want dev or production");
  ExpectUsageError({"create", "--dir", "d", "--idle-timeout", "0"},
                   "want a positive duration");
  ExpectUsageError({"create", "--dir", "d", "--idle-timeout", "later"},
                   "--idle-timeout \"later\"");
  ExpectUsageError({"create", "--dir", "d", "--wait=1"}, "takes no value");
}

TEST(CommandLineTest, DoubleDashEndsFlags) {
  absl::StatusOr<Invocation> inv = Parse({"get", "--", "-odd-id"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->sandbox_id, "-odd-id");
}

TEST(CommandLineTest, FindCommandNameSkipsFlags) {
  EXPECT_EQ(FindCommandName({"--server", "h:1", "watch", "x"}), "watch");
  EXPECT_EQ(FindCommandName({"--bogus"}), "");
}

}  // namespace
}  // namespace sandboxd::client
