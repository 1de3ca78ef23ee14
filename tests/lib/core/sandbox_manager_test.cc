#include "lib/core/sandbox_manager.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lib/core/core_test_env.h"
#include "tests/testing/status_matchers.h"

namespace sandboxd::testing {
namespace {

using ::sandbox::v1::BuildEvent;
using ::sandbox::v1::Sandbox;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Call = FakeProvider::Call;

std::vector<sandbox::v1::BuildPhase> PhasesOf(SandboxManager& manager,
                                              const std::string& id) {
  std::vector<sandbox::v1::BuildPhase> phases;
  auto events = manager.events().Read(id, 0, 10000);
  EXPECT_TRUE(events.ok());
  for (const BuildEvent& e : *events) {
    if (e.has_phase_change()) phases.push_back(e.phase_change().to());
  }
  return phases;
}

TEST(SandboxManagerTest, DevBuildRunsEveryPhaseAndEndsReady) {
  CoreTestEnv env;
  auto created = env.manager().Create(CoreTestEnv::kAlice, FrontendRequest());
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->status(), sandbox::v1::SANDBOX_STATUS_PENDING);
  EXPECT_EQ(created->owner(), "alice");
  EXPECT_EQ(created->provider(), "fake");

  Sandbox done = env.AwaitSettled(created->sandbox_id());
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(done.phase(), sandbox::v1::BUILD_PHASE_READY);
  EXPECT_THAT(done.preview_url(), HasSubstr(created->sandbox_id()));
  EXPECT_TRUE(done.has_ready_time());
  EXPECT_TRUE(done.has_auto_stop_time());
  EXPECT_EQ(done.build_attempts(), 1);
  EXPECT_THAT(PhasesOf(env.manager(), done.sandbox_id()),
              ElementsAre(sandbox::v1::BUILD_PHASE_QUEUED,
                          sandbox::v1::BUILD_PHASE_ASSEMBLING,
                          sandbox::v1::BUILD_PHASE_PROVISIONING,
                          sandbox::v1::BUILD_PHASE_UPLOADING,
                          sandbox::v1::BUILD_PHASE_INSTALLING,
                          sandbox::v1::BUILD_PHASE_STARTING,
                          sandbox::v1::BUILD_PHASE_READY));
  EXPECT_EQ(done.phase_durations_size(), 5);  // DEV: no BUILDING phase
  // The assembled project, not the raw map, reached the provider.
  auto files = env.provider().UploadedFiles(done.sandbox_id());
  EXPECT_TRUE(files.contains("app/page.tsx"));
  EXPECT_TRUE(files.contains("package.json"));
  EXPECT_EQ(env.provider().CallCount(Call::kRun), 0);
}

TEST(SandboxManagerTest, ProductionBuildRunsTheBuildCommand) {
  CoreTestEnv env;
  auto request = FrontendRequest();
  request.set_mode(sandbox::v1::MODE_PRODUCTION);
  auto created = env.manager().Create(CoreTestEnv::kAlice, request);
  ASSERT_THAT(created, IsOk());
  Sandbox done = env.AwaitSettled(created->sandbox_id());
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(done.mode(), sandbox::v1::MODE_PRODUCTION);
  EXPECT_EQ(env.provider().CallCount(Call::kRun), 1);
  EXPECT_THAT(PhasesOf(env.manager(), done.sandbox_id()),
              ::testing::Contains(sandbox::v1::BUILD_PHASE_BUILDING));
}

TEST(SandboxManagerTest, FailedBuildCommandEndsFailedWithItsLastLines) {
  CoreTestEnv env;
  env.provider().SetDefault(
      Call::kRun, {.exit_code = 1,
                   .output = {{OutputStream::kStdout, "./app/page.tsx:3:7"},
                              {OutputStream::kStdout,
                               "Type error: Cannot find name 'x'."}}});
  auto request = FrontendRequest();
  request.set_mode(sandbox::v1::MODE_PRODUCTION);
  auto created = env.manager().Create(CoreTestEnv::kAlice, request);
  ASSERT_THAT(created, IsOk());
  Sandbox done = env.AwaitSettled(created->sandbox_id());
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_FAILED);
  EXPECT_EQ(done.error().code(), "BUILD_FAILED");
  EXPECT_EQ(done.error().phase(), sandbox::v1::BUILD_PHASE_BUILDING);
  EXPECT_THAT(done.error().message(), HasSubstr("Cannot find name 'x'"));
  // The compiler's message became a typed diagnostic too.
  auto events = env.manager().events().Read(done.sandbox_id(), 0, 1000);
  ASSERT_THAT(events, IsOk());
  bool found = false;
  for (const BuildEvent& e : *events) {
    if (e.has_diagnostic()) {
      found = true;
      EXPECT_EQ(e.diagnostic().file(), "app/page.tsx");
      EXPECT_EQ(e.diagnostic().line(), 3);
      EXPECT_EQ(e.diagnostic().column(), 7);
    }
  }
  EXPECT_TRUE(found);
  ASSERT_TRUE(events->back().has_finished());
  EXPECT_EQ(events->back().finished().status(),
            sandbox::v1::SANDBOX_STATUS_FAILED);
}

TEST(SandboxManagerTest, InstallFailureEndsFailed) {
  CoreTestEnv env;
  env.provider().SetDefault(
      Call::kInstall,
      {.result = absl::FailedPreconditionError("npm exited with code 1"),
       .output = {
           {OutputStream::kStderr, "npm ERR! 404 Not Found - left-pad"}}});
  auto created = env.manager().Create(CoreTestEnv::kAlice, FrontendRequest());
  ASSERT_THAT(created, IsOk());
  Sandbox done = env.AwaitSettled(created->sandbox_id());
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_FAILED);
  EXPECT_EQ(done.error().code(), "INSTALL_FAILED");
  EXPECT_THAT(done.error().message(), HasSubstr("npm ERR! 404"));
}

TEST(SandboxManagerTest, CreateIsIdempotentPerOwnerAndRequestId) {
  CoreTestEnv env;
  auto request = FrontendRequest();
  request.set_request_id("req-1");
  auto first = env.manager().Create(CoreTestEnv::kAlice, request);
  ASSERT_THAT(first, IsOk());
  request.set_wait_until_ready(true);  // not part of the request's identity
  auto again = env.manager().Create(CoreTestEnv::kAlice, request);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->sandbox_id(), first->sandbox_id());

  auto other_owner = env.manager().Create(CoreTestEnv::kBob, request);
  ASSERT_THAT(other_owner, IsOk());
  EXPECT_NE(other_owner->sandbox_id(), first->sandbox_id());

  request.set_project_name("something else");
  EXPECT_THAT(env.manager().Create(CoreTestEnv::kAlice, request),
              StatusIs(absl::StatusCode::kAlreadyExists, "request_id"));
  env.AwaitSettled(first->sandbox_id());
  env.AwaitSettled(other_owner->sandbox_id());
  EXPECT_EQ(env.provider().CallCount(Call::kProvision), 2);
}

TEST(SandboxManagerTest, BadRequestsNameTheField) {
  CoreTestEnv env;
  sandbox::v1::CreateSandboxRequest empty;
  EXPECT_THAT(env.manager().Create(CoreTestEnv::kAlice, empty),
              StatusIs(absl::StatusCode::kInvalidArgument, "generated_code"));
  auto bad_mode = FrontendRequest();
  bad_mode.set_mode(static_cast<sandbox::v1::Mode>(42));
  EXPECT_THAT(env.manager().Create(CoreTestEnv::kAlice, bad_mode),
              StatusIs(absl::StatusCode::kInvalidArgument, "mode"));
  auto bad_label = FrontendRequest();
  (*bad_label.mutable_labels())["Bad Key"] = "x";
  EXPECT_THAT(
      env.manager().Create(CoreTestEnv::kAlice, bad_label),
      StatusIs(absl::StatusCode::kInvalidArgument, "labels[\"Bad Key\"]"));
  auto short_idle = FrontendRequest();
  short_idle.mutable_idle_timeout()->set_seconds(5);
  EXPECT_THAT(env.manager().Create(CoreTestEnv::kAlice, short_idle),
              StatusIs(absl::StatusCode::kInvalidArgument, "idle_timeout"));
  auto escape = FrontendRequest();
  (*escape.mutable_generated_code())["../etc/passwd"] = "x";
  EXPECT_THAT(env.manager().Create(CoreTestEnv::kAlice, escape),
              StatusIs(absl::StatusCode::kInvalidArgument, "../etc/passwd"));
  EXPECT_THAT(env.manager().Get(CoreTestEnv::kAlice, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, "sandbox_id"));
  EXPECT_THAT(
      env.manager().Get(CoreTestEnv::kAlice, "sbx-00000000000000000000"),
      StatusIs(absl::StatusCode::kNotFound));
  sandbox::v1::ListSandboxesRequest negative;
  negative.set_page_size(-1);
  EXPECT_THAT(env.manager().List(CoreTestEnv::kAlice, negative),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_size"));
  sandbox::v1::ListSandboxesRequest junk;
  junk.set_page_token("not-a-token");
  EXPECT_THAT(env.manager().List(CoreTestEnv::kAlice, junk),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_token"));
  EXPECT_EQ(env.provider().CallCount(Call::kProvision), 0);
}

TEST(SandboxManagerTest, NoProviderMeansFailedPrecondition) {
  CoreTestEnv env({}, /*with_provider=*/false);
  EXPECT_THAT(
      env.manager().Create(CoreTestEnv::kAlice, FrontendRequest()),
      StatusIs(absl::StatusCode::kFailedPrecondition, "no sandbox provider"));
}

TEST(SandboxManagerTest, OtherOwnersSandboxesDoNotExist) {
  CoreTestEnv env;
  auto created = env.manager().Create(CoreTestEnv::kAlice, FrontendRequest());
  ASSERT_THAT(created, IsOk());
  const std::string id = created->sandbox_id();
  env.AwaitSettled(id);
  EXPECT_THAT(env.manager().Get(CoreTestEnv::kBob, id),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(env.manager().Delete(CoreTestEnv::kBob, id),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(env.manager().CheckVisible(CoreTestEnv::kBob, id),
              StatusIs(absl::StatusCode::kNotFound));
  auto bobs = env.manager().List(CoreTestEnv::kBob, {});
  ASSERT_THAT(bobs, IsOk());
  EXPECT_EQ(bobs->count(), 0);
  auto admins = env.manager().List(CoreTestEnv::kAdmin, {});
  ASSERT_THAT(admins, IsOk());
  EXPECT_EQ(admins->count(), 1);
  EXPECT_THAT(env.manager().Get(CoreTestEnv::kAdmin, id), IsOk());
}

TEST(SandboxManagerTest, ListPagesWithFiltersAndCount) {
  CoreTestEnv env;
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    auto request = FrontendRequest();
    (*request.mutable_labels())["team"] = i % 2 == 0 ? "even" : "odd";
    env.clock().Advance(absl::Seconds(1));
    auto created = env.manager().Create(CoreTestEnv::kAlice, request);
    ASSERT_THAT(created, IsOk());
    ids.push_back(created->sandbox_id());
  }
  for (const auto& id : ids) env.AwaitSettled(id);
  sandbox::v1::ListSandboxesRequest request;
  request.set_page_size(3);
  request.add_label_selector("team=even");
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    auto response = env.manager().List(CoreTestEnv::kAlice, request);
    ASSERT_THAT(response, IsOk());
    EXPECT_EQ(response->count(), 4);
    for (const auto& s : response->sandboxes()) seen.push_back(s.sandbox_id());
    if (response->next_page_token().empty()) break;
    request.set_page_token(response->next_page_token());
  }
  // Newest first, the even ones only.
  EXPECT_THAT(seen, ElementsAre(ids[6], ids[4], ids[2], ids[0]));
  sandbox::v1::ListSandboxesRequest failed_only;
  failed_only.add_statuses(sandbox::v1::SANDBOX_STATUS_FAILED);
  auto none = env.manager().List(CoreTestEnv::kAlice, failed_only);
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(none->count(), 0);
}

}  // namespace
}  // namespace sandboxd::testing
