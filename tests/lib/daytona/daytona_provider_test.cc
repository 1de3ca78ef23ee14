// DaytonaProvider lifecycle flows: provision, stop/start, destroy, list.
#include "lib/daytona/daytona_provider.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/lib/daytona/daytona_provider_fixture.h"

namespace sandboxd::daytona::testing {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;
using ::testing::Return;

ProvisionSpec Spec() {
  ProvisionSpec spec;
  spec.sandbox_id = "sbx-1";
  spec.owner = "alice";
  spec.project_name = "todo";
  spec.environment = {{"NEXT_PUBLIC_X", "1"}};
  return spec;
}

TEST_F(DaytonaProviderTest, ProvisionCreatesWithLabelsAndPollsUntilStarted) {
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
      .WillOnce(Return(Reply(200, PageJson(""))));
  HttpRequest create;
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kPost,
                                          std::string(kApi) + "/sandbox")))
      .WillOnce([&](const HttpRequest& request) {
        create = request;
        return Reply(200, SandboxJson("creating"));
      });
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, SandboxUrl())))
      .WillOnce(Return(Reply(200, SandboxJson("starting"))))
      .WillOnce(Return(Reply(200, SandboxJson("starting"))))
      .WillOnce(Return(Reply(200, SandboxJson("started"))));

  ASSERT_TRUE(provider().Provision(Spec(), ctx_).ok());

  rapidjson::Document body;
  body.Parse(create.body.c_str());
  ASSERT_TRUE(body.IsObject());
  EXPECT_STREQ(body["labels"]["managed-by"].GetString(), "sandboxd");
  EXPECT_STREQ(body["labels"]["sandboxd-id"].GetString(), "sbx-1");
  EXPECT_STREQ(body["labels"]["owner"].GetString(), "alice");
  EXPECT_STREQ(body["labels"]["project"].GetString(), "todo");
  EXPECT_STREQ(body["env"]["NEXT_PUBLIC_X"].GetString(), "1");
  EXPECT_EQ(body["autoStopInterval"].GetInt(), 60);
  EXPECT_STREQ(body["snapshot"].GetString(), "node-20");
  EXPECT_FALSE(body.HasMember("target"));
  EXPECT_STREQ(body["name"].GetString(), "sbx-1");
  EXPECT_EQ(create.headers.Get("authorization"), std::string("Bearer ") + kKey);
  EXPECT_EQ(create.headers.Get("X-Daytona-Source"), "sandboxd");
  EXPECT_THAT(create.headers.Get("User-Agent"),
              Optional(HasSubstr("sandboxd")));
  EXPECT_FALSE(create.headers.Get("X-Daytona-Organization-ID").has_value());
  EXPECT_THAT(sleeper_->sleeps(),
              ElementsAre(absl::Milliseconds(500), absl::Milliseconds(750),
                          absl::Microseconds(1125000)));
}

TEST_F(DaytonaProviderTest, ProvisionReusesTheSandboxFoundByLabel) {
  ExpectLookupFinds("started");
  ASSERT_TRUE(provider().Provision(Spec(), ctx_).ok());
}

TEST_F(DaytonaProviderTest, ProvisionFailsWithErrorReason) {
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
      .WillOnce(Return(Reply(200, PageJson(""))));
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kPost,
                                          std::string(kApi) + "/sandbox")))
      .WillOnce(Return(Reply(200, SandboxJson("pending_build"))));
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, SandboxUrl())))
      .WillOnce(Return(Reply(
          200, SandboxJson("build_failed", "manifest for node:99 not found"))));
  absl::Status status = provider().Provision(Spec(), ctx_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("build_failed"));
  EXPECT_THAT(status.message(), HasSubstr("manifest for node:99 not found"));
}

TEST_F(DaytonaProviderTest, ProvisionGivesUpOnSandboxStuckInStarting) {
  options_.start_state_timeout = absl::Minutes(3);
  ExpectLookupFinds("starting");
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, SandboxUrl())))
      .WillRepeatedly(Return(Reply(200, SandboxJson("starting"))));
  absl::Status status = provider().Provision(Spec(), ctx_);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(status.message(), HasSubstr("stuck in state 'starting'"));
  EXPECT_GE(clock_->Now() - kTestEpoch, absl::Minutes(3));
  EXPECT_LT(clock_->Now() - kTestEpoch, absl::Minutes(4));
}

TEST_F(DaytonaProviderTest, RetriedCreateNeverMakesASecondSandbox) {
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
      .WillOnce(Return(Reply(200, PageJson(""))))
      .WillOnce(Return(Reply(200, PageJson(SandboxJson("starting")))));
  // The reply to the create is lost: it took effect on the server.
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kPost,
                                          std::string(kApi) + "/sandbox")))
      .Times(1)
      .WillOnce(Return(TransportError(absl::StatusCode::kDeadlineExceeded,
                                      "curl: Timeout was reached", true)));
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, SandboxUrl())))
      .WillOnce(Return(Reply(200, SandboxJson("started"))));
  EXPECT_TRUE(provider().Provision(Spec(), ctx_).ok());
}

TEST_F(DaytonaProviderTest, ResentCreateFindsTheSandboxByNameOnConflict) {
  // The list lags behind (eventually consistent): only the name catches the
  // sandbox made by the first, timed-out create.
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
      .Times(2)
      .WillRepeatedly(Return(Reply(200, PageJson(""))));
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kPost,
                                          std::string(kApi) + "/sandbox")))
      .WillOnce(Return(TransportError(absl::StatusCode::kUnavailable,
                                      "curl: Connection reset by peer", true)))
      .WillOnce(Return(Reply(
          409, NestError(409, "Sandbox with name sbx-1 already exists"))));
  EXPECT_CALL(
      *transport_,
      Send(IsRequest(HttpMethod::kGet, std::string(kApi) + "/sandbox/sbx-1")))
      .WillOnce(Return(Reply(200, SandboxJson("started"))));
  EXPECT_TRUE(provider().Provision(Spec(), ctx_).ok());
}

TEST_F(DaytonaProviderTest, NameTakenByAForeignSandboxIsAlreadyExists) {
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
      .WillOnce(Return(Reply(200, PageJson(""))));
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kPost,
                                          std::string(kApi) + "/sandbox")))
      .WillOnce(Return(Reply(
          409, NestError(409, "Sandbox with name sbx-1 already exists"))));
  EXPECT_CALL(
      *transport_,
      Send(IsRequest(HttpMethod::kGet, std::string(kApi) + "/sandbox/sbx-1")))
      .WillOnce(Return(
          Reply(200, R"({"id":"other","state":"started","labels":{}})")));
  absl::Status status = provider().Provision(Spec(), ctx_);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(
      status.message(),
      "daytona: create sandbox: 409: Sandbox with name sbx-1 already exists");
}

TEST_F(DaytonaProviderTest, CreateIsResentWhenLookupShowsItDidNotHappen) {
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
      .Times(2)
      .WillRepeatedly(Return(Reply(200, PageJson(""))));
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kPost,
                                          std::string(kApi) + "/sandbox")))
      .WillOnce(Return(Reply(503, "")))
      .WillOnce(Return(Reply(200, SandboxJson("started"))));
  EXPECT_TRUE(provider().Provision(Spec(), ctx_).ok());
}

TEST_F(DaytonaProviderTest, CreateRejectedByQuotaIsNotRetried) {
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
      .WillOnce(Return(Reply(200, PageJson(""))));
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kPost,
                                          std::string(kApi) + "/sandbox")))
      .WillOnce(Return(Reply(
          403, NestError(
                   403, "Total disk limit exceeded. Maximum allowed: 30GiB"))));
  absl::Status status = provider().Provision(Spec(), ctx_);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(),
            "daytona: create sandbox: 403: Total disk limit exceeded. Maximum "
            "allowed: 30GiB");
}

TEST_F(DaytonaProviderTest, ImageSandboxSendsBuildInfoAndResources) {
  options_.snapshot.clear();
  options_.image = "node:20-bookworm";
  options_.cpu = 2;
  options_.target = "eu";
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
      .WillOnce(Return(Reply(200, PageJson(""))));
  std::string body_text;
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kPost,
                                          std::string(kApi) + "/sandbox")))
      .WillOnce([&](const HttpRequest& request) {
        body_text = request.body;
        return Reply(200, SandboxJson("started"));
      });
  ASSERT_TRUE(provider().Provision(Spec(), ctx_).ok());
  rapidjson::Document body;
  body.Parse(body_text.c_str());
  EXPECT_STREQ(body["buildInfo"]["dockerfileContent"].GetString(),
               "FROM node:20-bookworm\n");
  EXPECT_EQ(body["cpu"].GetInt(), 2);
  EXPECT_STREQ(body["target"].GetString(), "eu");
  EXPECT_FALSE(body.HasMember("snapshot"));
}

TEST_F(DaytonaProviderTest, JwtAuthSendsOrganizationHeader) {
  options_.api_key.clear();
  options_.jwt_token = "eyJhbGciOiJIUzI1NiJ9.payload.sig";
  options_.organization_id = "org-7";
  HttpRequest seen;
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
      .WillOnce([&](const HttpRequest& request) {
        seen = request;
        return Reply(200, PageJson(SandboxJson("started")));
      });
  ASSERT_TRUE(provider().Provision(Spec(), ctx_).ok());
  EXPECT_EQ(seen.headers.Get("X-Daytona-Organization-ID"), "org-7");
  EXPECT_EQ(seen.headers.Get("Authorization"),
            "Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig");
}

TEST_F(DaytonaProviderTest, ApiKeyNeverAppearsInErrors) {
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
      .WillOnce([](const HttpRequest& request) {
        // A misbehaving server (or proxy) echoes the credential back.
        return Reply(401,
                     NestError(401, "invalid token " +
                                        *request.headers.Get("Authorization")));
      });
  absl::Status status = provider().Provision(Spec(), ctx_);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(status.message(), HasSubstr("invalid token Bearer [redacted]"));
  EXPECT_THAT(status.message(), Not(HasSubstr(kKey)));
}

TEST_F(DaytonaProviderTest, StopRequestsStopAndWaitsForStopped) {
  ExpectLookupFinds();
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, SandboxUrl())))
      .WillOnce(Return(Reply(200, SandboxJson("started"))))
      .WillOnce(Return(Reply(200, SandboxJson("stopping"))))
      .WillOnce(Return(Reply(200, SandboxJson("stopped"))));
  EXPECT_CALL(*transport_,
              Send(IsRequest(HttpMethod::kPost, SandboxUrl("/stop"))))
      .WillOnce(Return(Reply(200, SandboxJson("stopping"))));
  EXPECT_TRUE(provider().Stop("sbx-1", ctx_).ok());
}

TEST_F(DaytonaProviderTest,
       StartOfStoppedSandboxWaitsOutStateChangeInProgress) {
  ExpectLookupFinds("stopped");
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, SandboxUrl())))
      .WillOnce(Return(Reply(200, SandboxJson("stopped"))))
      .WillOnce(Return(Reply(200, SandboxJson("starting"))))
      .WillOnce(Return(Reply(200, SandboxJson("started"))));
  EXPECT_CALL(*transport_,
              Send(IsRequest(HttpMethod::kPost, SandboxUrl("/start"))))
      .WillOnce(Return(
          Reply(409, NestError(409, "Sandbox state change in progress"))))
      .WillOnce(Return(Reply(200, SandboxJson("starting"))));
  EXPECT_TRUE(provider().Start("sbx-1", ctx_).ok());
}

TEST_F(DaytonaProviderTest, OperationsOnUnknownSandboxAreNotFound) {
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
      .WillOnce(Return(Reply(200, PageJson(""))));
  EXPECT_EQ(provider().Stop("sbx-1", ctx_).code(), absl::StatusCode::kNotFound);
}

TEST_F(DaytonaProviderTest, DestroyConvergesFromSandboxStuckInStarting) {
  ExpectLookupFinds("starting");
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kDelete, SandboxUrl())))
      .WillOnce(Return(Reply(
          400, NestError(400,
                         "Sandbox is not in a valid state to be destroyed. "
                         "State: starting"))))
      .WillOnce(Return(
          Reply(409, NestError(409, "Sandbox state change in progress"))))
      .WillOnce(Return(Reply(200, SandboxJson("destroying"))));
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, SandboxUrl())))
      .WillOnce(Return(Reply(200, SandboxJson("destroying"))))
      .WillOnce(Return(Reply(
          404, NestError(404, "Sandbox with ID or name dt-1 not found"))));
  EXPECT_TRUE(provider().Destroy("sbx-1", ctx_).ok());
}

TEST_F(DaytonaProviderTest, DestroyOfErroredSandboxRetriesUntilTheDeadline) {
  ExpectLookupFinds("error");
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kDelete, SandboxUrl())))
      .WillRepeatedly(Return(Reply(
          400,
          NestError(400, "Sandbox is not in a valid state to be destroyed"))));
  const CallContext ctx = TestContext(absl::Seconds(30));
  absl::Status status = provider().Destroy("sbx-1", ctx);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(status.message(), HasSubstr("not in a valid state"));
  EXPECT_LT(clock_->Now(), ctx.deadline());
}

TEST_F(DaytonaProviderTest, DestroyIsDoneWhenTheSandboxIsGone) {
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, LookupUrl())))
      .WillOnce(Return(Reply(200, PageJson(""))));
  EXPECT_TRUE(provider().Destroy("sbx-1", ctx_).ok());

  ExpectLookupFinds("started");
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kDelete, SandboxUrl())))
      .WillOnce(Return(Reply(404, NestError(404, "not found"))));
  EXPECT_TRUE(provider().Destroy("sbx-1", ctx_).ok());
}

TEST_F(DaytonaProviderTest, ListPagesByManagedByLabelUntilCursorIsNull) {
  const std::string base = absl::StrCat(
      kApi, "/sandbox?labels=", UrlEncode(R"({"managed-by":"sandboxd"})"),
      "&limit=100");
  const std::string unlabelled =
      R"({"id":"dt-x","state":"started","labels":{"managed-by":"sandboxd"}})";
  const std::string errored =
      R"({"id":"dt-2","state":"error","errorReason":"OOM","labels":{"sandboxd-id":"sbx-2"}})";
  const std::string stopped =
      R"({"id":"dt-3","state":"archived","labels":{"sandboxd-id":"sbx-3"}})";
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, base)))
      .WillOnce(Return(Reply(
          200, PageJson(SandboxJson("started") + "," + unlabelled, "cur/1"))));
  EXPECT_CALL(*transport_,
              Send(IsRequest(HttpMethod::kGet, base + "&cursor=cur%2F1")))
      .WillOnce(Return(Reply(200, PageJson(errored + "," + stopped))));
  absl::StatusOr<std::vector<ProviderSandbox>> list = provider().List(ctx_);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].sandbox_id, "sbx-1");
  EXPECT_EQ((*list)[0].provider_ref, "dt-1");
  EXPECT_EQ((*list)[0].state, ProviderSandbox::State::kRunning);
  EXPECT_EQ((*list)[1].state, ProviderSandbox::State::kError);
  EXPECT_EQ((*list)[1].detail, "OOM");
  EXPECT_EQ((*list)[2].state, ProviderSandbox::State::kStopped);
}

TEST_F(DaytonaProviderTest, ListLeavesOutPooledSandboxes) {
  const std::string base = absl::StrCat(
      kApi, "/sandbox?labels=", UrlEncode(R"({"managed-by":"sandboxd"})"),
      "&limit=100");
  const std::string pooled =
      R"({"id":"dt-p","state":"started","labels":{"managed-by":"sandboxd","sandboxd-id":"pool-00ff","sandboxd-pool":"1"}})";
  EXPECT_CALL(*transport_, Send(IsRequest(HttpMethod::kGet, base)))
      .WillOnce(
          Return(Reply(200, PageJson(SandboxJson("started") + "," + pooled))));
  absl::StatusOr<std::vector<ProviderSandbox>> list = provider().List(ctx_);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].sandbox_id, "sbx-1");
}

TEST_F(DaytonaProviderTest, WithoutAPoolNothingFitsAndClaimSaysWhy) {
  ProvisionSpec spec;
  spec.sandbox_id = "sbx-1";
  scaffold::Project project;
  EXPECT_FALSE(provider().HasWarmFit(spec, project));
  absl::Status claimed = provider().ClaimWarm(spec, project, nullptr, ctx_);
  EXPECT_EQ(claimed.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(claimed.message(), HasSubstr("the warm pool is empty"));
  spec.mode = scaffold::Mode::kProduction;
  EXPECT_THAT(provider().ClaimWarm(spec, project, nullptr, ctx_).message(),
              HasSubstr("DEV mode only"));
}

TEST_F(DaytonaProviderTest, ListRejectsARepeatedCursor) {
  EXPECT_CALL(*transport_, Send(_))
      .WillRepeatedly(Return(Reply(200, PageJson("", "same"))));
  EXPECT_EQ(provider().List(ctx_).status().code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace sandboxd::daytona::testing
