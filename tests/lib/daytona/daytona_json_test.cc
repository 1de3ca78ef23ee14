// Codec tests with bodies shaped like the ones in
// ../shared/reference/daytona-api.md.
#include "lib/daytona/daytona_json.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace sandboxd::daytona {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr char kStartedSandbox[] = R"json({
  "id": "7c9b0a4e-1f6e-4a41-9d9e-2a7f3c1d5e00",
  "organizationId": "org-1", "name": "7c9b0a4e-1f6e-4a41-9d9e-2a7f3c1d5e00",
  "user": "daytona", "env": {"NODE_ENV": "development"},
  "labels": {"managed-by": "sandboxd", "sandboxd-id": "sbx-1"},
  "public": false, "networkBlockAll": false, "target": "us",
  "cpu": 1, "gpu": 0, "memory": 1, "disk": 3,
  "toolboxProxyUrl": "https://proxy.app.daytona.io/toolbox",
  "state": "started", "desiredState": "started",
  "autoStopInterval": 60, "autoArchiveInterval": 10080,
  "autoDeleteInterval": -1, "backupState": "None",
  "createdAt": "2026-11-26T06:00:00.000Z", "sandboxClass": "container"
})json";

rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

TEST(DaytonaJsonTest, EncodesCreateWithSnapshotLabelsEnvAndAutoStop) {
  CreateSandboxBody body;
  body.name = "sbx-1";
  body.snapshot = "daytona-node-20";
  body.target = "eu";
  body.labels = {{"managed-by", "sandboxd"}, {"sandboxd-id", "sbx-1"}};
  body.env = {{"NEXT_TELEMETRY_DISABLED", "1"}};
  body.auto_stop_interval_minutes = 60;
  rapidjson::Document doc = ParseJson(EncodeCreateSandbox(body));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["name"].GetString(), "sbx-1");
  EXPECT_STREQ(doc["snapshot"].GetString(), "daytona-node-20");
  EXPECT_STREQ(doc["target"].GetString(), "eu");
  EXPECT_STREQ(doc["labels"]["sandboxd-id"].GetString(), "sbx-1");
  EXPECT_STREQ(doc["env"]["NEXT_TELEMETRY_DISABLED"].GetString(), "1");
  EXPECT_EQ(doc["autoStopInterval"].GetInt(), 60);
  EXPECT_FALSE(doc["public"].GetBool());
  EXPECT_FALSE(doc.HasMember("buildInfo"));
  EXPECT_FALSE(doc.HasMember("cpu"));
}

TEST(DaytonaJsonTest, EncodesImageAsBuildInfoWithResourcesAndNoSnapshot) {
  CreateSandboxBody body;
  body.snapshot = "ignored";
  body.dockerfile_content = "FROM node:20\n";
  body.cpu = 2;
  body.memory_gib = 4;
  rapidjson::Document doc = ParseJson(EncodeCreateSandbox(body));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["buildInfo"]["dockerfileContent"].GetString(),
               "FROM node:20\n");
  EXPECT_EQ(doc["cpu"].GetInt(), 2);
  EXPECT_EQ(doc["memory"].GetInt(), 4);
  EXPECT_FALSE(doc.HasMember("disk"));
  EXPECT_FALSE(doc.HasMember("snapshot"));
}

TEST(DaytonaJsonTest, LeavesTargetOutWhenUnset) {
  rapidjson::Document doc = ParseJson(EncodeCreateSandbox(CreateSandboxBody()));
  EXPECT_FALSE(doc.HasMember("target"));
  EXPECT_FALSE(doc.HasMember("name"));
  EXPECT_FALSE(doc.HasMember("autoStopInterval"));
}

TEST(DaytonaJsonTest, EscapesSpecialCharactersInLabelsAndEnv) {
  CreateSandboxBody body;
  body.env = {{"QUOTE", "a\"b\\c\n"}};
  rapidjson::Document doc = ParseJson(EncodeCreateSandbox(body));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["env"]["QUOTE"].GetString(), "a\"b\\c\n");
}

TEST(DaytonaJsonTest, ParsesStartedSandbox) {
  absl::StatusOr<SandboxDto> dto = ParseSandbox(kStartedSandbox);
  ASSERT_TRUE(dto.ok()) << dto.status();
  EXPECT_EQ(dto->id, "7c9b0a4e-1f6e-4a41-9d9e-2a7f3c1d5e00");
  EXPECT_EQ(dto->state, "started");
  EXPECT_EQ(dto->toolbox_proxy_url, "https://proxy.app.daytona.io/toolbox");
  EXPECT_EQ(dto->target, "us");
  EXPECT_EQ(dto->auto_stop_interval, 60);
  EXPECT_THAT(dto->labels, ElementsAre(Pair("managed-by", "sandboxd"),
                                       Pair("sandboxd-id", "sbx-1")));
}

TEST(DaytonaJsonTest, ParsesErrorReasonOfFailedSandbox) {
  absl::StatusOr<SandboxDto> dto = ParseSandbox(
      R"({"id":"sb-2","state":"build_failed","errorReason":"failed to pull image node:99","recoverable":true,"labels":{}})");
  ASSERT_TRUE(dto.ok()) << dto.status();
  EXPECT_EQ(dto->state, "build_failed");
  EXPECT_EQ(dto->error_reason, "failed to pull image node:99");
  EXPECT_TRUE(dto->recoverable);
}

TEST(DaytonaJsonTest, ToleratesNullOptionalFields) {
  absl::StatusOr<SandboxDto> dto = ParseSandbox(
      R"({"id":"sb-3","state":null,"errorReason":null,"toolboxProxyUrl":null})");
  ASSERT_TRUE(dto.ok()) << dto.status();
  EXPECT_EQ(dto->state, "");
  EXPECT_EQ(dto->toolbox_proxy_url, "");
}

TEST(DaytonaJsonTest, RejectsSandboxWithoutIdNamingTheField) {
  absl::StatusOr<SandboxDto> dto = ParseSandbox(R"({"state":"started"})");
  EXPECT_EQ(dto.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(dto.status().message(), HasSubstr("Sandbox: field \"id\""));
}

TEST(DaytonaJsonTest, RejectsWrongTypesAndInvalidJson) {
  EXPECT_EQ(ParseSandbox(R"({"id":7})").status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(ParseSandbox(R"({"id":"x","labels":{"a":1}})").status().code(),
            absl::StatusCode::kInternal);
  absl::Status truncated = ParseSandbox(R"({"id":"x",)").status();
  EXPECT_EQ(truncated.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(truncated.message(), HasSubstr("invalid JSON at offset"));
  EXPECT_EQ(ParseSandbox("[]").status().code(), absl::StatusCode::kInternal);
}

TEST(DaytonaJsonTest, ParsesListPageWithCursor) {
  absl::StatusOr<SandboxPage> page = ParseSandboxPage(
      R"({"items":[{"id":"a","state":"started","labels":{"sandboxd-id":"s1"}},
                   {"id":"b","state":"stopped"}],"nextCursor":"c2"})");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[1].state, "stopped");
  EXPECT_EQ(page->next_cursor, "c2");
}

TEST(DaytonaJsonTest, ParsesLastListPageWithNullCursor) {
  absl::StatusOr<SandboxPage> page =
      ParseSandboxPage(R"({"items":[],"nextCursor":null})");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->next_cursor.has_value());
}

TEST(DaytonaJsonTest, RejectsLegacyArrayListAndBadItems) {
  EXPECT_EQ(ParseSandboxPage(R"([{"id":"a"}])").status().code(),
            absl::StatusCode::kInternal);
  absl::Status bad =
      ParseSandboxPage(R"({"items":[{"id":"a"},{"state":"x"}]})").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(bad.message(), HasSubstr("items[1]"));
}

TEST(DaytonaJsonTest, ParsesPreviewAndSignedPreviewUrls) {
  absl::StatusOr<PreviewUrlDto> preview = ParsePreviewUrl(
      R"({"sandboxId":"sb","url":"https://3000-sb.proxy.daytona.works","token":"tok"})");
  ASSERT_TRUE(preview.ok()) << preview.status();
  EXPECT_EQ(preview->url, "https://3000-sb.proxy.daytona.works");
  EXPECT_EQ(preview->token, "tok");
  absl::StatusOr<PreviewUrlDto> signed_url = ParseSignedPreviewUrl(
      R"({"sandboxId":"sb","port":3000,"token":"abcdefgh12345678","url":"https://3000-abcdefgh12345678.proxy.daytona.works"})");
  ASSERT_TRUE(signed_url.ok()) << signed_url.status();
  EXPECT_EQ(signed_url->url,
            "https://3000-abcdefgh12345678.proxy.daytona.works");
  EXPECT_EQ(ParsePreviewUrl(R"({"token":"x"})").status().code(),
            absl::StatusCode::kInternal);
}

TEST(DaytonaJsonTest, ParsesToolboxProxyUrl) {
  absl::StatusOr<std::string> url =
      ParseToolboxProxyUrl(R"({"url":"https://proxy.app.daytona.io/toolbox"})");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(*url, "https://proxy.app.daytona.io/toolbox");
}

TEST(DaytonaJsonTest, EncodesSessionRequests) {
  rapidjson::Document session = ParseJson(EncodeCreateSession("s-1"));
  EXPECT_STREQ(session["sessionId"].GetString(), "s-1");
  rapidjson::Document exec = ParseJson(EncodeSessionExec("npm ci", true));
  EXPECT_STREQ(exec["command"].GetString(), "npm ci");
  EXPECT_TRUE(exec["runAsync"].GetBool());
}

TEST(DaytonaJsonTest, ParsesAsyncAndSyncExecReplies) {
  absl::StatusOr<SessionExecDto> async_reply =
      ParseSessionExec(R"({"cmdId":"cmd-1"})");
  ASSERT_TRUE(async_reply.ok()) << async_reply.status();
  EXPECT_EQ(async_reply->cmd_id, "cmd-1");
  EXPECT_FALSE(async_reply->exit_code.has_value());
  absl::StatusOr<SessionExecDto> sync_reply = ParseSessionExec(
      R"({"cmdId":"cmd-2","output":"\u0001\u0001\u0001hi\n","stdout":"hi\n","stderr":"","exitCode":0})");
  ASSERT_TRUE(sync_reply.ok()) << sync_reply.status();
  EXPECT_EQ(sync_reply->exit_code, 0);
  EXPECT_EQ(sync_reply->stdout_text, "hi\n");
  EXPECT_EQ(ParseSessionExec("{}").status().code(),
            absl::StatusCode::kInternal);
}

TEST(DaytonaJsonTest, ParsesCommandWithAndWithoutExitCode) {
  absl::StatusOr<CommandDto> running =
      ParseCommand(R"({"id":"cmd-1","command":"npm run dev"})");
  ASSERT_TRUE(running.ok()) << running.status();
  EXPECT_FALSE(running->exit_code.has_value());
  absl::StatusOr<CommandDto> done =
      ParseCommand(R"({"id":"cmd-1","command":"npm ci","exitCode":137})");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->exit_code, 137);
}

TEST(DaytonaJsonTest, ParsesJsonLogsWithStreamsApart) {
  absl::StatusOr<CommandLogs> logs = ParseCommandLogs(
      R"({"output":"\u0001\u0001\u0001out\n\u0002\u0002\u0002err\n","stdout":"out\n","stderr":"err\n"})");
  ASSERT_TRUE(logs.ok()) << logs.status();
  EXPECT_EQ(logs->stdout_text, "out\n");
  EXPECT_EQ(logs->stderr_text, "err\n");
}

TEST(DaytonaJsonTest, SplitsMarkedTextLogsOfOlderDaemons) {
  const std::string text =
      "\x01\x01\x01line one\n\x02\x02\x02oops\n\x01\x01\x01line two\n";
  absl::StatusOr<CommandLogs> logs = ParseCommandLogs(text);
  ASSERT_TRUE(logs.ok()) << logs.status();
  EXPECT_EQ(logs->stdout_text, "line one\nline two\n");
  EXPECT_EQ(logs->stderr_text, "oops\n");
}

TEST(DaytonaJsonTest, SplitsOutputFieldWhenStreamsAreMissing) {
  absl::StatusOr<CommandLogs> logs = ParseCommandLogs(
      R"({"output":"\u0001\u0001\u0001a\n\u0002\u0002\u0002b\n"})");
  ASSERT_TRUE(logs.ok()) << logs.status();
  EXPECT_EQ(logs->stdout_text, "a\n");
  EXPECT_EQ(logs->stderr_text, "b\n");
}

TEST(DaytonaJsonTest, ParsesNestJsErrorBody) {
  ErrorBody error = ParseErrorBody(
      R"({"path":"/api/sandbox/x","timestamp":"2026-11-26T06:00:00Z","statusCode":404,"error":"Not Found","message":"Sandbox with ID or name x not found"})");
  EXPECT_EQ(error.message, "Sandbox with ID or name x not found");
  EXPECT_EQ(error.error, "Not Found");
}

TEST(DaytonaJsonTest, ParsesDaemonErrorBodyWithCode) {
  ErrorBody error = ParseErrorBody(
      R"({"statusCode":404,"message":"file not found","code":"FILE_NOT_FOUND","timestamp":"t","path":"/files/info","method":"GET","source":"DAYTONA_DAEMON"})");
  EXPECT_EQ(error.message, "file not found");
  EXPECT_EQ(error.code, "FILE_NOT_FOUND");
  EXPECT_EQ(error.source, "DAYTONA_DAEMON");
}

TEST(DaytonaJsonTest, JoinsValidationMessageArrays) {
  ErrorBody error = ParseErrorBody(
      R"({"statusCode":400,"message":["cpu must be a number","disk must be positive"],"error":"Bad Request"})");
  EXPECT_EQ(error.message, "cpu must be a number, disk must be positive");
}

TEST(DaytonaJsonTest, KeepsRawTextOfNonJsonErrorBodies) {
  EXPECT_EQ(ParseErrorBody("upstream connect error").message,
            "upstream connect error");
  EXPECT_EQ(ParseErrorBody("").message, "");
  EXPECT_EQ(ParseErrorBody(R"({"error":"Bad Gateway"})").message,
            "Bad Gateway");
}

}  // namespace
}  // namespace sandboxd::daytona
