// SandboxManager::ApplyFiles (hot reload and cold rebuilds, validation,
// state checks) and the warm-pool claim of BuildRunner::Build.
#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/core/sandbox_manager.h"
#include "tests/lib/core/core_test_env.h"
#include "tests/testing/status_matchers.h"

namespace sandboxd::testing {
namespace {

using ::sandbox::v1::ApplyFilesRequest;
using ::sandbox::v1::BuildEvent;
using ::sandbox::v1::Sandbox;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Call = FakeProvider::Call;
using CallRecord = FakeProvider::CallRecord;

constexpr char kButton[] =
    "export function Button() { return <button>old</button>; }\n";

// The frontend request plus a component the tests delete.
sandbox::v1::CreateSandboxRequest WithComponent() {
  sandbox::v1::CreateSandboxRequest request = FrontendRequest();
  (*request.mutable_generated_code())["components/Button.tsx"] = kButton;
  return request;
}

Sandbox CreateReady(CoreTestEnv& env,
                    const sandbox::v1::CreateSandboxRequest& request) {
  auto created = env.manager().Create(CoreTestEnv::kAlice, request);
  EXPECT_THAT(created, IsOk());
  if (!created.ok()) return {};
  Sandbox ready = env.AwaitSettled(created->sandbox_id());
  EXPECT_EQ(ready.status(), sandbox::v1::SANDBOX_STATUS_READY);
  return ready;
}

ApplyFilesRequest Batch(const std::string& id, const std::string& marker) {
  ApplyFilesRequest request;
  request.set_sandbox_id(id);
  (*request.mutable_files())["page.tsx"] =
      "export default function Page() { return <h1>" + marker + "</h1>; }\n";
  return request;
}

// The calls made for `id` since the first `skip` ones.
std::vector<CallRecord> CallsAfter(CoreTestEnv& env, const std::string& id,
                                   size_t skip) {
  std::vector<CallRecord> calls = env.provider().Calls(id);
  calls.erase(calls.begin(), calls.begin() + std::min(skip, calls.size()));
  return calls;
}

std::vector<Call> Kinds(const std::vector<CallRecord>& calls) {
  std::vector<Call> out;
  for (const CallRecord& c : calls) out.push_back(c.call);
  return out;
}

const CallRecord* Last(const std::vector<CallRecord>& calls, Call call) {
  for (auto it = calls.rbegin(); it != calls.rend(); ++it) {
    if (it->call == call) return &*it;
  }
  return nullptr;
}

// The phases entered, and the finished status, after event `after`.
struct Story {
  std::vector<sandbox::v1::BuildPhase> phases;
  std::vector<sandbox::v1::SandboxStatus> finished;
  std::vector<std::string> system_lines;
};
Story StoryAfter(CoreTestEnv& env, const std::string& id, int64_t after) {
  Story story;
  auto events = env.manager().events().Read(id, after, 10000);
  EXPECT_THAT(events, IsOk());
  if (!events.ok()) return story;
  for (const BuildEvent& e : *events) {
    if (e.has_phase_change()) story.phases.push_back(e.phase_change().to());
    if (e.has_finished()) story.finished.push_back(e.finished().status());
    if (e.has_log() && e.log().stream() == sandbox::v1::LOG_STREAM_SYSTEM) {
      story.system_lines.push_back(e.log().text());
    }
  }
  return story;
}

int64_t LastSequence(CoreTestEnv& env, const std::string& id) {
  auto last = env.manager().events().LastSequence(id);
  EXPECT_THAT(last, IsOk());
  return last.ok() ? *last : 0;
}

// The uploaded path that ends with `suffix` ("" if none).
std::string PathEndingWith(const std::map<std::string, std::string>& files,
                           const std::string& suffix) {
  for (const auto& [path, content] : files) {
    if (path.size() >= suffix.size() &&
        path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return path;
    }
  }
  return "";
}

TEST(SandboxApplyTest, DevApplyIsHotAndBumpsTheGeneration) {
  CoreTestEnv env;
  Sandbox ready = CreateReady(env, WithComponent());
  const std::string id = ready.sandbox_id();
  EXPECT_EQ(ready.generation(), 1);
  const size_t before = env.provider().Calls(id).size();
  const std::string button =
      PathEndingWith(env.provider().UploadedFiles(id), "Button.tsx");
  ASSERT_FALSE(button.empty());
  const int64_t seq = LastSequence(env, id);

  ApplyFilesRequest request = Batch(id, "second-version");
  request.add_deleted_paths("components/Button.tsx");
  auto applied = env.manager().ApplyFiles(CoreTestEnv::kAlice, request);
  ASSERT_THAT(applied, IsOk());
  EXPECT_EQ(applied->status(), sandbox::v1::SANDBOX_STATUS_BUILDING);
  EXPECT_EQ(applied->generation(), 2);

  Sandbox done = env.AwaitSettled(id);
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(done.generation(), 2);
  std::vector<CallRecord> calls = CallsAfter(env, id, before);
  // Hot: no stop, no provisioning, no install (the dependencies did not
  // change); the running app picks up the files.
  EXPECT_THAT(Kinds(calls), ElementsAre(Call::kUpload, Call::kStartApp));
  const CallRecord* upload = Last(calls, Call::kUpload);
  ASSERT_NE(upload, nullptr);
  EXPECT_FALSE(upload->files.contains(button));
  const std::string page = PathEndingWith(upload->files, "app/page.tsx");
  ASSERT_FALSE(page.empty());
  EXPECT_THAT(upload->files.at(page), HasSubstr("second-version"));
  EXPECT_TRUE(upload->files.contains("app/layout.tsx"));
  const CallRecord* start = Last(calls, Call::kStartApp);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->generation_token, id + ".g2");
  EXPECT_TRUE(env.provider().Running(id));

  Story story = StoryAfter(env, id, seq);
  EXPECT_THAT(story.phases, ElementsAre(sandbox::v1::BUILD_PHASE_UPLOADING,
                                        sandbox::v1::BUILD_PHASE_STARTING,
                                        sandbox::v1::BUILD_PHASE_READY));
  EXPECT_THAT(story.finished, ElementsAre(sandbox::v1::SANDBOX_STATUS_READY));
  EXPECT_THAT(story.system_lines, Contains(HasSubstr("applying generation 2")));
}

TEST(SandboxApplyTest, DependencyChangeRebuildsCold) {
  CoreTestEnv env;
  Sandbox ready = CreateReady(env, FrontendRequest());
  const std::string id = ready.sandbox_id();
  const size_t before = env.provider().Calls(id).size();
  const std::string old_fingerprint =
      Last(env.provider().Calls(id), Call::kInstall)->dependency_fingerprint;

  ApplyFilesRequest request = Batch(id, "with-zod");
  (*request.mutable_files())["package.json"] =
      R"({"dependencies": {"zod": "^3.22.0"}})";
  ASSERT_THAT(env.manager().ApplyFiles(CoreTestEnv::kAlice, request), IsOk());
  Sandbox done = env.AwaitSettled(id);
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(done.generation(), 2);

  std::vector<CallRecord> calls = CallsAfter(env, id, before);
  // The provider is asked to add the package to the running app first; the
  // fake cannot, so the app restarts with a full install.
  EXPECT_THAT(Kinds(calls),
              ElementsAre(Call::kAddDependencies, Call::kStop, Call::kProvision,
                          Call::kStart, Call::kUpload, Call::kInstall,
                          Call::kStartApp));
  EXPECT_THAT(StoryAfter(env, id, 0).system_lines,
              Contains(HasSubstr("cannot add the packages to the running app "
                                 "(the fake cannot add packages)")));
  const CallRecord* install = Last(calls, Call::kInstall);
  ASSERT_NE(install, nullptr);
  EXPECT_NE(install->dependency_fingerprint, old_fingerprint);
  EXPECT_THAT(Last(calls, Call::kUpload)->files.at("package.json"),
              HasSubstr("zod"));
  EXPECT_EQ(Last(calls, Call::kStartApp)->generation_token, id + ".g2");
}

TEST(SandboxApplyTest, AddedPackagesLandByHotReloadWhenTheProviderCan) {
  CoreTestEnv env;
  env.provider().SetDefault(
      Call::kAddDependencies,
      {.output = {{OutputStream::kStdout, "added 1 package in 1.2s"}}});
  Sandbox ready = CreateReady(env, FrontendRequest());
  const std::string id = ready.sandbox_id();
  const size_t before = env.provider().Calls(id).size();
  const int64_t seq = LastSequence(env, id);

  ApplyFilesRequest request = Batch(id, "with-zod");
  (*request.mutable_files())["package.json"] =
      R"({"dependencies": {"zod": "^3.22.0"}})";
  ASSERT_THAT(env.manager().ApplyFiles(CoreTestEnv::kAlice, request), IsOk());
  Sandbox done = env.AwaitSettled(id);
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_READY);

  std::vector<CallRecord> calls = CallsAfter(env, id, before);
  // Added before the files that import it; no stop, no reinstall.
  EXPECT_THAT(Kinds(calls), ElementsAre(Call::kAddDependencies, Call::kUpload,
                                        Call::kStartApp));
  EXPECT_TRUE(env.provider().Running(id));
  Story story = StoryAfter(env, id, seq);
  EXPECT_THAT(story.phases, ElementsAre(sandbox::v1::BUILD_PHASE_INSTALLING,
                                        sandbox::v1::BUILD_PHASE_UPLOADING,
                                        sandbox::v1::BUILD_PHASE_STARTING,
                                        sandbox::v1::BUILD_PHASE_READY));
  EXPECT_THAT(story.system_lines,
              Contains(HasSubstr("hot reload, adding packages")));
}

TEST(SandboxApplyTest, ProductionApplyRebuildsWithTheBuildPhase) {
  CoreTestEnv env;
  auto request = FrontendRequest();
  request.set_mode(sandbox::v1::MODE_PRODUCTION);
  Sandbox ready = CreateReady(env, request);
  const std::string id = ready.sandbox_id();
  const int runs = env.provider().CallCount(Call::kRun);
  const size_t before = env.provider().Calls(id).size();
  const int64_t seq = LastSequence(env, id);

  ASSERT_THAT(env.manager().ApplyFiles(CoreTestEnv::kAlice, Batch(id, "v2")),
              IsOk());
  Sandbox done = env.AwaitSettled(id);
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(done.generation(), 2);
  EXPECT_EQ(env.provider().CallCount(Call::kRun), runs + 1);
  EXPECT_THAT(Kinds(CallsAfter(env, id, before)), Contains(Call::kStop));
  EXPECT_THAT(StoryAfter(env, id, seq).phases,
              ElementsAre(sandbox::v1::BUILD_PHASE_PROVISIONING,
                          sandbox::v1::BUILD_PHASE_UPLOADING,
                          sandbox::v1::BUILD_PHASE_INSTALLING,
                          sandbox::v1::BUILD_PHASE_BUILDING,
                          sandbox::v1::BUILD_PHASE_STARTING,
                          sandbox::v1::BUILD_PHASE_READY));
}

TEST(SandboxApplyTest, FailedSandboxIsRebuiltColdAndCanBecomeReady) {
  CoreTestEnv env;
  env.provider().Once(Call::kStartApp,
                      {.result = absl::FailedPreconditionError("app exited")});
  auto created = env.manager().Create(CoreTestEnv::kAlice, FrontendRequest());
  ASSERT_THAT(created, IsOk());
  const std::string id = created->sandbox_id();
  ASSERT_EQ(env.AwaitSettled(id).status(), sandbox::v1::SANDBOX_STATUS_FAILED);
  const size_t before = env.provider().Calls(id).size();

  auto applied =
      env.manager().ApplyFiles(CoreTestEnv::kAlice, Batch(id, "fix"));
  ASSERT_THAT(applied, IsOk());
  EXPECT_FALSE(applied->has_error());
  Sandbox done = env.AwaitSettled(id);
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_FALSE(done.has_error());
  EXPECT_EQ(done.generation(), 2);
  EXPECT_THAT(Kinds(CallsAfter(env, id, before)),
              ElementsAre(Call::kStop, Call::kProvision, Call::kStart,
                          Call::kUpload, Call::kInstall, Call::kStartApp));
}

TEST(SandboxApplyTest, HotApplyThatFailsStopsTheAppAndEndsFailed) {
  CoreTestEnv env;
  Sandbox ready = CreateReady(env, FrontendRequest());
  const std::string id = ready.sandbox_id();
  env.provider().Once(Call::kStartApp,
                      {.result = absl::FailedPreconditionError("500 on /")});
  ASSERT_THAT(env.manager().ApplyFiles(CoreTestEnv::kAlice, Batch(id, "bad")),
              IsOk());
  Sandbox done = env.AwaitSettled(id);
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_FAILED);
  EXPECT_EQ(done.error().code(), "START_FAILED");
  EXPECT_EQ(done.generation(), 2);
  EXPECT_FALSE(env.provider().Running(id));

  // The fix is applied at once, cold (the app was stopped).
  const size_t before = env.provider().Calls(id).size();
  ASSERT_THAT(env.manager().ApplyFiles(CoreTestEnv::kAlice, Batch(id, "good")),
              IsOk());
  Sandbox fixed = env.AwaitSettled(id);
  EXPECT_EQ(fixed.status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(fixed.generation(), 3);
  EXPECT_THAT(Kinds(CallsAfter(env, id, before)),
              ElementsAre(Call::kStop, Call::kProvision, Call::kStart,
                          Call::kUpload, Call::kInstall, Call::kStartApp));
}

TEST(SandboxApplyTest, ColdApplyThatCannotProvisionNamesThePhase) {
  CoreTestEnv env;
  auto request = FrontendRequest();
  request.set_mode(sandbox::v1::MODE_PRODUCTION);
  Sandbox ready = CreateReady(env, request);
  const std::string id = ready.sandbox_id();
  env.provider().Once(Call::kProvision,
                      {.result = absl::ResourceExhaustedError("no room")});
  ASSERT_THAT(env.manager().ApplyFiles(CoreTestEnv::kAlice, Batch(id, "v2")),
              IsOk());
  Sandbox done = env.AwaitSettled(id);
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_FAILED);
  EXPECT_EQ(done.error().code(), "PROVISION_FAILED");
  EXPECT_EQ(done.error().phase(), sandbox::v1::BUILD_PHASE_PROVISIONING);
}

// Expects INVALID_ARGUMENT whose message starts with `field`.
void ExpectInvalid(CoreTestEnv& env, const ApplyFilesRequest& request,
                   const std::string& field) {
  auto applied = env.manager().ApplyFiles(CoreTestEnv::kAlice, request);
  EXPECT_THAT(applied, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(applied.status().message()),
              ::testing::StartsWith(field));
}

TEST(SandboxApplyTest, InvalidBatchesNameTheField) {
  CoreTestEnv env;
  Sandbox ready = CreateReady(env, WithComponent());
  const std::string id = ready.sandbox_id();
  const size_t before = env.provider().Calls(id).size();

  ApplyFilesRequest empty;
  empty.set_sandbox_id(id);
  ExpectInvalid(env, empty, "files:");

  ApplyFilesRequest unknown = Batch(id, "x");
  unknown.add_deleted_paths("components/Missing.tsx");
  ExpectInvalid(env, unknown, "deleted_paths[0]");

  ApplyFilesRequest both = Batch(id, "x");
  both.add_deleted_paths("components/Button.tsx");
  both.add_deleted_paths("page.tsx");
  ExpectInvalid(env, both, "deleted_paths[1]");

  ApplyFilesRequest escapes = Batch(id, "x");
  (*escapes.mutable_files())["../escape.tsx"] = "export {};\n";
  auto applied = env.manager().ApplyFiles(CoreTestEnv::kAlice, escapes);
  EXPECT_THAT(applied, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(applied.status().message()),
              HasSubstr("files[\"../escape.tsx\"]"));
  EXPECT_THAT(std::string(applied.status().message()),
              Not(HasSubstr("generated_code")));

  // Nothing was applied.
  auto after = env.manager().Peek(CoreTestEnv::kAlice, id);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(after->generation(), 1);
  EXPECT_EQ(env.provider().Calls(id).size(), before);
}

TEST(SandboxApplyTest, AnotherOwnersSandboxIsNotFound) {
  CoreTestEnv env;
  Sandbox ready = CreateReady(env, FrontendRequest());
  EXPECT_THAT(env.manager().ApplyFiles(CoreTestEnv::kBob,
                                       Batch(ready.sandbox_id(), "x")),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(
      env.manager().ApplyFiles(CoreTestEnv::kAlice, Batch("sbx-nope", "x")),
      StatusIs(absl::StatusCode::kNotFound));
}

TEST(SandboxApplyTest, PendingAndStoppedSandboxesAreRefused) {
  ManagerOptions options;
  options.build_workers = 1;
  CoreTestEnv env(options);
  env.provider().Hold(Call::kInstall);
  auto building = env.manager().Create(CoreTestEnv::kAlice, FrontendRequest());
  ASSERT_THAT(building, IsOk());
  env.provider().AwaitHeld(Call::kInstall, 1);
  auto queued = env.manager().Create(CoreTestEnv::kAlice, FrontendRequest("b"));
  ASSERT_THAT(queued, IsOk());
  ASSERT_EQ(queued->status(), sandbox::v1::SANDBOX_STATUS_PENDING);
  auto refused = env.manager().ApplyFiles(CoreTestEnv::kAlice,
                                          Batch(queued->sandbox_id(), "x"));
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("PENDING"));
  env.provider().Release(Call::kInstall);
  env.AwaitSettled(building->sandbox_id());
  env.AwaitSettled(queued->sandbox_id());

  auto request = FrontendRequest("c");
  request.mutable_idle_timeout()->set_seconds(600);
  Sandbox ready = CreateReady(env, request);
  env.clock().Advance(absl::Minutes(11));
  env.manager().ReapIdle();
  auto stopped = env.manager().Peek(CoreTestEnv::kAlice, ready.sandbox_id());
  ASSERT_THAT(stopped, IsOk());
  ASSERT_EQ(stopped->status(), sandbox::v1::SANDBOX_STATUS_STOPPED);
  refused = env.manager().ApplyFiles(CoreTestEnv::kAlice,
                                     Batch(ready.sandbox_id(), "x"));
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("STOPPED"));
}

TEST(SandboxApplyTest, ApplyWhileAnApplyRunsIsAborted) {
  CoreTestEnv env;
  Sandbox ready = CreateReady(env, FrontendRequest());
  const std::string id = ready.sandbox_id();
  env.provider().Hold(Call::kUpload);
  ASSERT_THAT(env.manager().ApplyFiles(CoreTestEnv::kAlice, Batch(id, "one")),
              IsOk());
  env.provider().AwaitHeld(Call::kUpload, 1);
  EXPECT_THAT(env.manager().ApplyFiles(CoreTestEnv::kAlice, Batch(id, "two")),
              StatusIs(absl::StatusCode::kAborted));
  env.provider().Release(Call::kUpload);
  Sandbox done = env.AwaitSettled(id);
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(done.generation(), 2);
  // The refused batch changed nothing.
  auto spec = env.store().GetSpec(id);
  ASSERT_THAT(spec, IsOk());
  EXPECT_THAT(spec->generated_code().at("page.tsx"), HasSubstr("one"));
}

TEST(SandboxApplyTest, InterruptedApplyResumesWithTheNewFiles) {
  CoreTestEnv env;
  Sandbox ready = CreateReady(env, WithComponent());
  const std::string id = ready.sandbox_id();
  env.provider().Hold(Call::kUpload);
  ApplyFilesRequest request = Batch(id, "resumed-version");
  request.add_deleted_paths("components/Button.tsx");
  ASSERT_THAT(env.manager().ApplyFiles(CoreTestEnv::kAlice, request), IsOk());
  env.provider().AwaitHeld(Call::kUpload, 1);
  env.Restart();  // the old manager shuts down mid-apply

  auto spec = env.store().GetSpec(id);
  ASSERT_THAT(spec, IsOk());
  EXPECT_THAT(spec->generated_code().at("page.tsx"),
              HasSubstr("resumed-version"));
  EXPECT_FALSE(spec->generated_code().contains("components/Button.tsx"));

  const size_t before = env.provider().Calls(id).size();
  env.provider().Release(Call::kUpload);
  ASSERT_THAT(env.manager().Reconcile(), IsOk());
  Sandbox done = env.AwaitSettled(id);
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(done.generation(), 2);
  std::vector<CallRecord> calls = CallsAfter(env, id, before);
  const CallRecord* upload = Last(calls, Call::kUpload);
  ASSERT_NE(upload, nullptr);
  EXPECT_THAT(upload->files.at(PathEndingWith(upload->files, "app/page.tsx")),
              HasSubstr("resumed-version"));
  EXPECT_TRUE(PathEndingWith(upload->files, "Button.tsx").empty());
  EXPECT_EQ(Last(calls, Call::kStartApp)->generation_token, id + ".g2");
}

TEST(SandboxApplyTest, RestartAfterIdleStopServesTheAppliedGeneration) {
  CoreTestEnv env;
  auto create = FrontendRequest();
  create.mutable_idle_timeout()->set_seconds(600);
  Sandbox ready = CreateReady(env, create);
  const std::string id = ready.sandbox_id();
  ASSERT_THAT(env.manager().ApplyFiles(CoreTestEnv::kAlice, Batch(id, "v2")),
              IsOk());
  ASSERT_EQ(env.AwaitSettled(id).status(), sandbox::v1::SANDBOX_STATUS_READY);
  env.clock().Advance(absl::Minutes(11));
  env.manager().ReapIdle();
  ASSERT_EQ(env.manager().Peek(CoreTestEnv::kAlice, id)->status(),
            sandbox::v1::SANDBOX_STATUS_STOPPED);

  ASSERT_THAT(env.manager().Get(CoreTestEnv::kAlice, id), IsOk());
  Sandbox woken = env.AwaitSettled(id);
  EXPECT_EQ(woken.status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(woken.generation(), 2);
  EXPECT_EQ(Last(env.provider().Calls(id), Call::kStartApp)->generation_token,
            id + ".g2");
}

TEST(SandboxApplyTest, DevBuildTakesAWarmSandboxWhenTheProviderHasOne) {
  CoreTestEnv env;
  env.provider().SetDefault(Call::kClaimWarm, {});
  Sandbox ready = CreateReady(env, FrontendRequest());
  const std::string id = ready.sandbox_id();
  EXPECT_TRUE(ready.from_warm_pool());
  std::vector<CallRecord> calls = env.provider().Calls(id);
  EXPECT_THAT(Kinds(calls), ElementsAre(Call::kClaimWarm, Call::kUpload,
                                        Call::kInstall, Call::kStartApp));
  EXPECT_EQ(calls.front().generation_token, id + ".g1");
  EXPECT_TRUE(calls.front().files.contains("app/page.tsx"));
  EXPECT_THAT(StoryAfter(env, id, 0).system_lines,
              Contains(HasSubstr("warm pool")));
}

TEST(SandboxApplyTest, DevBuildProvisionsColdWhenNoWarmSandboxFits) {
  CoreTestEnv env;
  env.provider().SetDefault(
      Call::kClaimWarm,
      {.result = absl::NotFoundError("no pooled sandbox for Tailwind 4")});
  Sandbox ready = CreateReady(env, FrontendRequest());
  const std::string id = ready.sandbox_id();
  EXPECT_FALSE(ready.from_warm_pool());
  EXPECT_THAT(Kinds(env.provider().Calls(id)),
              ElementsAre(Call::kClaimWarm, Call::kProvision, Call::kUpload,
                          Call::kInstall, Call::kStartApp));
  EXPECT_THAT(
      StoryAfter(env, id, 0).system_lines,
      Contains(HasSubstr("cold start: no pooled sandbox for Tailwind 4")));
}

TEST(SandboxApplyTest, WarmClaimsRunAtOnceBesideBusyBuildWorkers) {
  // One build worker, busy with a cold build held in Install: four creates
  // that fit the pool must still be claiming at the same time.
  CoreTestEnv env(ManagerOptions{.build_workers = 1, .warm_workers = 4});
  auto cold_request = FrontendRequest();
  cold_request.set_mode(sandbox::v1::MODE_PRODUCTION);
  env.provider().Hold(Call::kInstall);
  auto cold = env.manager().Create(CoreTestEnv::kAlice, cold_request);
  ASSERT_THAT(cold, IsOk());
  env.provider().AwaitHeld(Call::kInstall, 1);

  env.provider().SetWarmFit(true);
  env.provider().SetDefault(Call::kClaimWarm, {});
  env.provider().Hold(Call::kClaimWarm);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    auto created = env.manager().Create(CoreTestEnv::kAlice, FrontendRequest());
    ASSERT_THAT(created, IsOk());
    ids.push_back(created->sandbox_id());
  }
  EXPECT_TRUE(
      env.provider().AwaitHeldFor(Call::kClaimWarm, 4, absl::Seconds(30)))
      << "the claims did not run at the same time";
  env.provider().Release(Call::kClaimWarm);
  env.provider().Release(Call::kInstall);
  for (const std::string& id : ids) {
    Sandbox ready = env.AwaitSettled(id);
    EXPECT_EQ(ready.status(), sandbox::v1::SANDBOX_STATUS_READY);
    EXPECT_TRUE(ready.from_warm_pool());
  }
  EXPECT_EQ(env.AwaitSettled(cold->sandbox_id()).status(),
            sandbox::v1::SANDBOX_STATUS_READY);
}

TEST(SandboxApplyTest, LostWarmClaimQueuesAColdBuild) {
  // The pool looked like it fit at Create, but the slot went to another
  // create: the build goes back to the fair queue and provisions cold.
  CoreTestEnv env;
  env.provider().SetWarmFit(true);
  env.provider().SetDefault(
      Call::kClaimWarm,
      {.result = absl::NotFoundError("the warm pool is empty")});
  Sandbox ready = CreateReady(env, FrontendRequest());
  const std::string id = ready.sandbox_id();
  EXPECT_FALSE(ready.from_warm_pool());
  EXPECT_EQ(ready.build_attempts(), 1);
  EXPECT_THAT(Kinds(env.provider().Calls(id)),
              ElementsAre(Call::kClaimWarm, Call::kClaimWarm, Call::kProvision,
                          Call::kUpload, Call::kInstall, Call::kStartApp));
  Story story = StoryAfter(env, id, 0);
  EXPECT_THAT(story.system_lines,
              Contains(HasSubstr("waiting for a build slot")));
  EXPECT_EQ(std::count(story.phases.begin(), story.phases.end(),
                       sandbox::v1::BUILD_PHASE_QUEUED),
            2);
}

TEST(SandboxApplyTest, DeletingAQueuedWarmBuildNeverClaims) {
  CoreTestEnv env(ManagerOptions{.warm_workers = 1});
  env.provider().SetWarmFit(true);
  env.provider().SetDefault(Call::kClaimWarm, {});
  env.provider().Hold(Call::kClaimWarm);
  auto first = env.manager().Create(CoreTestEnv::kAlice, FrontendRequest());
  ASSERT_THAT(first, IsOk());
  env.provider().AwaitHeld(Call::kClaimWarm, 1);
  auto second = env.manager().Create(CoreTestEnv::kAlice, FrontendRequest());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->queue_position(), 1);
  ASSERT_THAT(env.manager().Delete(CoreTestEnv::kAlice, second->sandbox_id()),
              IsOk());
  env.provider().Release(Call::kClaimWarm);
  EXPECT_EQ(env.AwaitSettled(first->sandbox_id()).status(),
            sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_TRUE(env.provider().Calls(second->sandbox_id()).empty() ||
              Kinds(env.provider().Calls(second->sandbox_id())) ==
                  std::vector<Call>{Call::kDestroy});
}

TEST(SandboxApplyTest, ProductionBuildNeverAsksTheWarmPool) {
  CoreTestEnv env;
  env.provider().SetDefault(Call::kClaimWarm, {});
  auto request = FrontendRequest();
  request.set_mode(sandbox::v1::MODE_PRODUCTION);
  Sandbox ready = CreateReady(env, request);
  EXPECT_FALSE(ready.from_warm_pool());
  EXPECT_EQ(env.provider().CallCount(Call::kClaimWarm), 0);
  EXPECT_EQ(env.provider().CallCount(Call::kProvision), 1);
}

}  // namespace
}  // namespace sandboxd::testing
