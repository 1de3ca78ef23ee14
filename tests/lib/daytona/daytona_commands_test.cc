// DaytonaProvider toolbox flows: upload, commands with log following,
// app start and previews.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/daytona/daytona_provider.h"
#include "rapidjson/document.h"
#include "tests/lib/daytona/daytona_provider_fixture.h"

namespace sandboxd::daytona::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::Return;

constexpr char kSessionUrl[] =
    "https://proxy.test/toolbox/dt-1/process/session";

std::string Logs(const std::string& out, const std::string& err) {
  return absl::StrCat(R"({"output":"","stdout":")", out, R"(","stderr":")", err,
                      "\"}");
}

class DaytonaCommandsTest : public DaytonaProviderTest {
 protected:
  // Session creation and the async exec; records the session id and the
  // exec body.
  void ExpectLaunch() {
    EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kPost, kSessionUrl)))
        .WillOnce([this](const HttpRequest& request) {
          rapidjson::Document body;
          body.Parse(request.body.c_str());
          session_ = body["sessionId"].GetString();
          return Reply(201, "");
        });
    EXPECT_CALL(*transport_, Send(::testing::Truly([](const HttpRequest& r) {
      return r.method == HttpMethod::kPost && absl::EndsWith(r.url, "/exec");
    }))).WillOnce([this](const HttpRequest& request) {
      EXPECT_EQ(request.url, absl::StrCat(kSessionUrl, "/", session_, "/exec"));
      rapidjson::Document body;
      body.Parse(request.body.c_str());
      exec_command_ = body["command"].GetString();
      EXPECT_TRUE(body["runAsync"].GetBool());
      return Reply(202, R"({"cmdId":"c1"})");
    });
  }

  // Replies for GET .../command/c1 and .../command/c1/logs, in turn.
  void ExpectPolls(std::vector<std::string> statuses,
                   std::vector<std::string> logs) {
    statuses_ = std::move(statuses);
    logs_ = std::move(logs);
    EXPECT_CALL(*transport_, Send(::testing::Truly([](const HttpRequest& r) {
      return r.method == HttpMethod::kGet &&
             absl::StrContains(r.url, "/command/c1");
    }))).WillRepeatedly([this](const HttpRequest& request) {
      EXPECT_TRUE(absl::StartsWith(request.url,
                                   kSessionUrl + std::string("/") + session_));
      if (absl::EndsWith(request.url, "/logs")) {
        return Reply(200, logs_.at(log_polls_++));
      }
      return Reply(200, statuses_.at(status_polls_++));
    });
  }

  OutputSink Sink() {
    return [this](OutputStream stream, std::string_view line) {
      lines_.emplace_back(stream, std::string(line));
    };
  }

  std::string session_;
  std::string exec_command_;
  std::vector<std::string> statuses_;
  std::vector<std::string> logs_;
  size_t status_polls_ = 0;
  size_t log_polls_ = 0;
  std::vector<std::pair<OutputStream, std::string>> lines_;
};

constexpr char kRunning[] = R"({"id":"c1","command":"x"})";

TEST_F(DaytonaCommandsTest, UploadStagesOneMultipartRequestThenSyncsInPlace) {
  ExpectLookupFinds();
  constexpr char kStaging[] = "/home/daytona/app/.sandboxd-upload";
  EXPECT_CALL(*transport_,
              Send(IsRequest(
                  HttpMethod::kDelete,
                  std::string(kToolbox) +
                      "/files?path=%2Fhome%2Fdaytona%2Fapp%2F.sandboxd-upload"
                      "&recursive=true")))
      .WillOnce(Return(Reply(
          404,
          R"({"statusCode":404,"message":"not found","code":"FILE_NOT_FOUND"})")));
  HttpRequest upload;
  EXPECT_CALL(*transport_,
              Send(IsRequest(HttpMethod::kPost,
                             std::string(kToolbox) + "/files/bulk-upload")))
      .WillOnce([&](const HttpRequest& request) {
        upload = request;
        return Reply(200, R"({"files":[]})");
      });
  // The sync runs as one command in the project directory.
  ExpectLaunch();
  ExpectPolls({R"({"id":"c1","exitCode":0})"}, {Logs("", "")});
  EXPECT_CALL(*transport_, Send(::testing::Truly([](const HttpRequest& r) {
    return r.method == HttpMethod::kDelete &&
           absl::StartsWith(r.url, kSessionUrl);
  }))).WillOnce(Return(Reply(204, "")));
  ASSERT_TRUE(provider()
                  .Upload("sbx-1",
                          {{"app/page.tsx", "export default 1"},
                           {"package.json", "{}"}},
                          ctx_)
                  .ok());
  ASSERT_EQ(upload.parts.size(), 6u);
  EXPECT_EQ(upload.parts[0].name, "files[0].path");
  EXPECT_EQ(upload.parts[0].data,
            absl::StrCat(kStaging, "/files/app/page.tsx"));
  EXPECT_EQ(upload.parts[1].name, "files[0].file");
  EXPECT_EQ(upload.parts[1].data, "export default 1");
  EXPECT_EQ(upload.parts[1].filename, "page.tsx");
  EXPECT_EQ(upload.parts[2].data,
            absl::StrCat(kStaging, "/files/package.json"));
  EXPECT_EQ(upload.parts[4].data, absl::StrCat(kStaging, "/manifest"));
  EXPECT_EQ(upload.parts[5].data, "app/page.tsx\npackage.json\n");
  EXPECT_TRUE(upload.body.empty());
  EXPECT_TRUE(upload.headers.Get("Authorization").has_value());
  // Moves into place, node_modules and .next kept, the generation module
  // last.
  EXPECT_THAT(exec_command_, HasSubstr("cd '/home/daytona/app'"));
  EXPECT_THAT(exec_command_, HasSubstr("mv -f"));
  EXPECT_THAT(exec_command_, HasSubstr("-path ./node_modules"));
  EXPECT_THAT(exec_command_, HasSubstr("-path ./.next"));
  EXPECT_THAT(exec_command_, HasSubstr("sandboxd-generation.ts) place"));
}

TEST_F(DaytonaCommandsTest, UploadFailsWhenTheSyncFails) {
  ExpectLookupFinds();
  EXPECT_CALL(*transport_, Send(HasMethod(HttpMethod::kDelete)))
      .Times(2)
      .WillRepeatedly(Return(Reply(200, "")));
  EXPECT_CALL(*transport_,
              Send(IsRequest(HttpMethod::kPost,
                             std::string(kToolbox) + "/files/bulk-upload")))
      .WillOnce(Return(Reply(200, R"({"files":[]})")));
  ExpectLaunch();
  ExpectPolls({R"({"id":"c1","exitCode":1})"},
              {Logs("", "mv: cannot move\\n")});
  absl::Status status = provider().Upload("sbx-1", {{"a.txt", "a"}}, ctx_);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("mv: cannot move"));
}

TEST_F(DaytonaCommandsTest, UploadStartsAStoppedSandboxAndRetries) {
  ExpectLookupFinds();
  // The staging directory twice, then the sync's session.
  EXPECT_CALL(*transport_, Send(HasMethod(HttpMethod::kDelete)))
      .Times(3)
      .WillRepeatedly(Return(Reply(200, "")));
  EXPECT_CALL(*transport_,
              Send(IsRequest(HttpMethod::kPost,
                             std::string(kToolbox) + "/files/bulk-upload")))
      .WillOnce(Return(Reply(
          400,
          R"({"statusCode":400,"message":"failed to resolve container IP for dt-1. Is the Sandbox started?","code":"BAD_REQUEST"})")))
      .WillOnce(Return(Reply(200, R"({"files":[]})")));
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, SandboxUrl())))
      .WillOnce(Return(Reply(200, SandboxJson("stopped"))))
      .WillOnce(Return(Reply(200, SandboxJson("stopped"))))
      .WillOnce(Return(Reply(200, SandboxJson("started"))));
  EXPECT_CALL(*transport_,
              Send(IsRequest(HttpMethod::kPost, SandboxUrl("/start"))))
      .WillOnce(Return(Reply(200, SandboxJson("starting"))));
  ExpectLaunch();
  ExpectPolls({R"({"id":"c1","exitCode":0})"}, {Logs("", "")});
  EXPECT_TRUE(provider().Upload("sbx-1", {{"a.txt", "a"}}, ctx_).ok());
}

TEST_F(DaytonaCommandsTest, UploadRejectsEscapingPathsBeforeAnyCall) {
  absl::Status status =
      provider().Upload("sbx-1", {{"../etc/passwd", "x"}}, ctx_);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("../etc/passwd"));
}

TEST_F(DaytonaCommandsTest, RunCommandFollowsLogsKeepingStreamsApart) {
  ExpectLookupFinds();
  ExpectLaunch();
  ExpectPolls({kRunning, kRunning, R"({"id":"c1","command":"x","exitCode":3})"},
              {Logs("hel", ""), Logs("hello\\nwor", "warn: peer\\n"),
               Logs("hello\\nworld\\n", "warn: peer\\n")});
  EXPECT_CALL(*transport_, Send(HasMethod(HttpMethod::kDelete)))
      .WillOnce([this](const HttpRequest& request) {
        EXPECT_EQ(request.url, absl::StrCat(kSessionUrl, "/", session_));
        return Reply(204, "");
      });
  absl::StatusOr<int> exit = provider().RunCommand("sbx-1", "npm run lint",
                                                   {{"CI", "1"}}, Sink(), ctx_);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(*exit, 3);
  EXPECT_THAT(lines_, ElementsAre(Pair(OutputStream::kStdout, "hello"),
                                  Pair(OutputStream::kStderr, "warn: peer"),
                                  Pair(OutputStream::kStdout, "world")));
  EXPECT_EQ(exec_command_,
            "mkdir -p '/home/daytona/app' && cd '/home/daytona/app' && env "
            "'CI=1' sh -c 'npm run lint'");
  EXPECT_EQ(sleeper_->sleeps().size(), 2u);
}

TEST_F(DaytonaCommandsTest, ShellLineQuotesSingleQuotes) {
  ExpectLookupFinds();
  ExpectLaunch();
  ExpectPolls({R"({"id":"c1","exitCode":0})"}, {Logs("", "")});
  EXPECT_CALL(*transport_, Send(HasMethod(HttpMethod::kDelete)))
      .WillOnce(Return(Reply(204, "")));
  ASSERT_TRUE(
      provider()
          .RunCommand("sbx-1", "echo 'hi'", {{"A", "it's"}}, Sink(), ctx_)
          .ok());
  EXPECT_THAT(exec_command_,
              HasSubstr(R"('A=it'\''s' sh -c 'echo '\''hi'\''')"));
}

TEST_F(DaytonaCommandsTest, FailedInstallReportsExitCodeAndLastLines) {
  ExpectLookupFinds();
  ExpectLaunch();
  ExpectPolls({R"({"id":"c1","command":"npm install","exitCode":1})"},
              {Logs("", "npm ERR! 404 Not Found - left-padd\\n")});
  EXPECT_CALL(*transport_, Send(HasMethod(HttpMethod::kDelete)))
      .WillOnce(Return(Reply(204, "")));
  scaffold::BuildPlan plan;
  plan.install_command = "npm install --ignore-scripts";
  absl::Status status =
      provider().InstallDependencies("sbx-1", plan, Sink(), ctx_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("exited with code 1"));
  EXPECT_THAT(status.message(),
              HasSubstr("npm ERR! 404 Not Found - left-padd"));
}

TEST_F(DaytonaCommandsTest, StartAppPollsThePreviewWithoutCredentials) {
  ExpectLookupFinds();
  ExpectLaunch();
  ExpectPolls({kRunning, kRunning}, {Logs("starting\\n", ""),
                                     Logs("starting\\nready on 3001\\n", "")});
  const std::string signed_url = "https://3001-abcdefgh12345678.proxy.test";
  EXPECT_CALL(
      *transport_,
      Send(IsRequest(
          HttpMethod::kGet,
          SandboxUrl("/ports/3001/signed-preview-url?expiresInSeconds=3600"))))
      .WillOnce(Return(Reply(
          200,
          R"({"sandboxId":"dt-1","port":3001,"token":"abcdefgh12345678","url":")" +
              signed_url + "\"}")));
  std::vector<HttpRequest> probes;
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, signed_url)))
      .WillOnce([&](const HttpRequest& r) {
        probes.push_back(r);
        return Reply(502, "");
      })
      .WillOnce([&](const HttpRequest& r) {
        probes.push_back(r);
        return Reply(200, "<html>");
      });
  scaffold::BuildPlan plan;
  plan.start_command = "exec node_modules/.bin/next start -H 127.0.0.1 -p 3001";
  plan.port = 3001;
  ASSERT_TRUE(provider().StartApp("sbx-1", plan, Sink(), ctx_).ok());
  // Daytona's proxy reaches the app from outside the sandbox's loopback.
  EXPECT_THAT(
      exec_command_,
      HasSubstr("'exec node_modules/.bin/next start -H 0.0.0.0 -p 3001'"));
  ASSERT_EQ(probes.size(), 2u);
  EXPECT_FALSE(probes[0].headers.Get("Authorization").has_value());
  EXPECT_EQ(probes[0].headers.Get("X-Daytona-Skip-Preview-Warning"), "true");
  EXPECT_THAT(lines_,
              ElementsAre(Pair(OutputStream::kStdout, "starting"),
                          Pair(OutputStream::kStdout, "ready on 3001")));
  // The URL found while starting is what ResolvePreview returns.
  absl::StatusOr<PreviewEndpoint> preview =
      provider().ResolvePreview("sbx-1", ctx_);
  ASSERT_TRUE(preview.ok()) << preview.status();
  EXPECT_EQ(preview->url, signed_url);
}

TEST_F(DaytonaCommandsTest,
       StartAppWaitsForTheTokenAndAHotReloadLaunchesNothing) {
  ExpectLookupFinds();
  ExpectLaunch();  // once: the second StartApp finds the app running
  ExpectPolls({kRunning, kRunning, kRunning, kRunning},
              {Logs("starting\\n", ""), Logs("starting\\n", "")});
  const std::string signed_url = "https://3000-abcdefgh12345678.proxy.test";
  EXPECT_CALL(
      *transport_,
      Send(IsRequest(
          HttpMethod::kGet,
          SandboxUrl("/ports/3000/signed-preview-url?expiresInSeconds=3600"))))
      .WillOnce(Return(Reply(
          200,
          R"({"sandboxId":"dt-1","port":3000,"token":"abcdefgh12345678","url":")" +
              signed_url + "\"}")));
  // Next answers the first request after a write with the old page.
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, signed_url)))
      .WillOnce(Return(Reply(200, "<html>template</html>")))
      .WillOnce(Return(Reply(200, "<html>gen-2</html>")))
      .WillOnce(Return(Reply(200, "<html>gen-2</html>")))
      .WillOnce(Return(Reply(200, "<html>gen-3</html>")));
  scaffold::BuildPlan plan;
  plan.start_command = "exec node_modules/.bin/next dev -H 127.0.0.1 -p 3000";
  plan.port = 3000;
  plan.generation_token = "gen-2";
  ASSERT_TRUE(provider().StartApp("sbx-1", plan, Sink(), ctx_).ok());
  EXPECT_EQ(status_polls_, 2u);
  plan.generation_token = "gen-3";
  ASSERT_TRUE(provider().StartApp("sbx-1", plan, Sink(), ctx_).ok());
  EXPECT_EQ(status_polls_, 4u);
}

TEST_F(DaytonaCommandsTest, StartAppFailsWhenTheAppExitsFirst) {
  options_.public_previews = true;
  ExpectLookupFinds();
  ExpectLaunch();
  ExpectPolls({kRunning, R"({"id":"c1","exitCode":1})"},
              {Logs("", ""), Logs("", "Error: Cannot find module 'next'\\n")});
  EXPECT_CALL(
      *transport_,
      Send(IsRequest(HttpMethod::kGet, SandboxUrl("/ports/3000/preview-url"))))
      .WillOnce(Return(Reply(
          200,
          R"({"sandboxId":"dt-1","url":"https://3000-dt-1.proxy.test","token":"t"})")));
  EXPECT_CALL(*transport_,
              Send(IsRequest(HttpMethod::kGet, "https://3000-dt-1.proxy.test")))
      .WillOnce(Return(TransportError(absl::StatusCode::kUnavailable,
                                      "curl: Couldn't connect", false)));
  scaffold::BuildPlan plan;
  plan.start_command = "npm run start";
  absl::Status status = provider().StartApp("sbx-1", plan, Sink(), ctx_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("exited with code 1"));
  EXPECT_THAT(status.message(), HasSubstr("Cannot find module 'next'"));
}

TEST_F(DaytonaCommandsTest, SignedPreviewIsCachedAndRefreshedBeforeExpiry) {
  ExpectLookupFinds();
  const std::string url =
      SandboxUrl("/ports/3000/signed-preview-url?expiresInSeconds=3600");
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, url)))
      .WillOnce(Return(Reply(
          200,
          R"({"port":3000,"token":"a","url":"https://3000-a.proxy.test"})")))
      .WillOnce(Return(Reply(
          200,
          R"({"port":3000,"token":"b","url":"https://3000-b.proxy.test"})")));
  EXPECT_EQ(provider().ResolvePreview("sbx-1", ctx_)->url,
            "https://3000-a.proxy.test");
  clock_->Advance(absl::Minutes(54));
  EXPECT_EQ(provider().ResolvePreview("sbx-1", ctx_)->url,
            "https://3000-a.proxy.test");
  clock_->Advance(absl::Minutes(2));  // within 5 minutes of expiry
  EXPECT_EQ(provider().ResolvePreview("sbx-1", ctx_)->url,
            "https://3000-b.proxy.test");
}

TEST_F(DaytonaCommandsTest, PublicPreviewUsesThePlainPreviewUrl) {
  options_.public_previews = true;
  ExpectLookupFinds();
  EXPECT_CALL(
      *transport_,
      Send(IsRequest(HttpMethod::kGet, SandboxUrl("/ports/3000/preview-url"))))
      .WillOnce(Return(Reply(
          200,
          R"({"sandboxId":"dt-1","url":"https://3000-dt-1.proxy.test","token":"t"})")));
  absl::StatusOr<PreviewEndpoint> preview =
      provider().ResolvePreview("sbx-1", ctx_);
  ASSERT_TRUE(preview.ok()) << preview.status();
  EXPECT_EQ(preview->url, "https://3000-dt-1.proxy.test");
}

TEST_F(DaytonaCommandsTest, ExecIsNotResentAfterAnAmbiguousFailure) {
  ExpectLookupFinds();
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kPost, kSessionUrl)))
      .WillOnce(Return(Reply(201, "")));
  EXPECT_CALL(*transport_, Send(::testing::Truly([](const HttpRequest& r) {
    return absl::EndsWith(r.url, "/exec");
  })))
      .Times(1)
      .WillOnce(Return(Reply(502, "")));
  absl::StatusOr<int> exit =
      provider().RunCommand("sbx-1", "npm run build", {}, Sink(), ctx_);
  EXPECT_EQ(exit.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(exit.status().message(),
              HasSubstr("exec command: 502: empty body"));
}

}  // namespace
}  // namespace sandboxd::daytona::testing
