// Delete in every state, the idle reaper and the reconciler.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/core/sandbox_manager.h"
#include "tests/lib/core/core_test_env.h"
#include "tests/testing/status_matchers.h"

namespace sandboxd::testing {
namespace {

using ::sandbox::v1::Sandbox;
using Call = FakeProvider::Call;

ManagerOptions OneWorker() {
  ManagerOptions options;
  options.build_workers = 1;
  return options;
}

std::string CreateOne(CoreTestEnv& env) {
  auto created = env.manager().Create(CoreTestEnv::kAlice, FrontendRequest());
  EXPECT_THAT(created, IsOk());
  return created.ok() ? created->sandbox_id() : "";
}

void ExpectDeleted(CoreTestEnv& env, const std::string& id) {
  auto message = env.manager().Delete(CoreTestEnv::kAlice, id);
  ASSERT_THAT(message, IsOk());
  EXPECT_EQ(*message, "deleted");
  Sandbox s = env.AwaitSettled(id);
  EXPECT_EQ(s.status(), sandbox::v1::SANDBOX_STATUS_DELETED);
  EXPECT_FALSE(env.provider().Exists(id));
  // Idempotent.
  auto again = env.manager().Delete(CoreTestEnv::kAlice, id);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, "already deleted");
}

TEST(SandboxLifecycleTest, DeleteWhileQueued) {
  CoreTestEnv env(OneWorker());
  env.provider().Hold(Call::kInstall);
  std::string running = CreateOne(env);
  env.provider().AwaitHeld(Call::kInstall, 1);
  std::string queued = CreateOne(env);
  auto peek = env.manager().Peek(CoreTestEnv::kAlice, queued);
  ASSERT_THAT(peek, IsOk());
  EXPECT_EQ(peek->status(), sandbox::v1::SANDBOX_STATUS_PENDING);
  EXPECT_EQ(peek->queue_position(), 1);
  ExpectDeleted(env, queued);
  env.provider().Release(Call::kInstall);
  EXPECT_EQ(env.AwaitSettled(running).status(),
            sandbox::v1::SANDBOX_STATUS_READY);
}

TEST(SandboxLifecycleTest, DeleteWhileBuildingCancelsTheBuild) {
  CoreTestEnv env;
  env.provider().Hold(Call::kInstall);
  std::string id = CreateOne(env);
  env.provider().AwaitHeld(Call::kInstall, 1);
  ExpectDeleted(env, id);
  EXPECT_EQ(env.provider().CallCount(Call::kStartApp), 0);
}

TEST(SandboxLifecycleTest, DeleteWhenReadyFailedOrStopped) {
  CoreTestEnv env;
  std::string ready = CreateOne(env);
  env.AwaitSettled(ready);
  ExpectDeleted(env, ready);

  env.provider().Once(Call::kStartApp,
                      {.result = absl::FailedPreconditionError("app exited")});
  std::string failed = CreateOne(env);
  EXPECT_EQ(env.AwaitSettled(failed).status(),
            sandbox::v1::SANDBOX_STATUS_FAILED);
  ExpectDeleted(env, failed);

  std::string stopped = CreateOne(env);
  env.AwaitSettled(stopped);
  env.clock().Advance(absl::Hours(2));
  env.manager().ReapIdle();
  auto peek = env.manager().Peek(CoreTestEnv::kAlice, stopped);
  ASSERT_THAT(peek, IsOk());
  EXPECT_EQ(peek->status(), sandbox::v1::SANDBOX_STATUS_STOPPED);
  ExpectDeleted(env, stopped);
}

TEST(SandboxLifecycleTest, DeleteRetriesTheProviderUntilItConverges) {
  CoreTestEnv env;
  std::string id = CreateOne(env);
  env.AwaitSettled(id);
  env.provider().Once(Call::kDestroy,
                      {.result = absl::UnavailableError("provider hiccup")});
  auto message = env.manager().Delete(CoreTestEnv::kAlice, id);
  ASSERT_THAT(message, IsOk());
  Sandbox s = env.AwaitSettled(id);
  EXPECT_EQ(s.status(), sandbox::v1::SANDBOX_STATUS_DELETED);
  EXPECT_EQ(env.provider().CallCount(Call::kDestroy), 2);
}

TEST(SandboxLifecycleTest, IdleReaperStopsAndGetWakesTheSandbox) {
  CoreTestEnv env;
  auto request = FrontendRequest();
  request.mutable_idle_timeout()->set_seconds(600);
  auto created = env.manager().Create(CoreTestEnv::kAlice, request);
  ASSERT_THAT(created, IsOk());
  const std::string id = created->sandbox_id();
  env.AwaitSettled(id);

  env.clock().Advance(absl::Minutes(9));
  env.manager().Touch(id);  // preview traffic
  env.clock().Advance(absl::Minutes(9));
  env.manager().ReapIdle();
  auto still = env.manager().Peek(CoreTestEnv::kAlice, id);
  ASSERT_THAT(still, IsOk());
  EXPECT_EQ(still->status(), sandbox::v1::SANDBOX_STATUS_READY);

  env.clock().Advance(absl::Minutes(2));
  env.manager().ReapIdle();
  auto stopped = env.manager().Peek(CoreTestEnv::kAlice, id);
  ASSERT_THAT(stopped, IsOk());
  EXPECT_EQ(stopped->status(), sandbox::v1::SANDBOX_STATUS_STOPPED);
  EXPECT_EQ(stopped->stop_reason(), sandbox::v1::STOP_REASON_IDLE);
  EXPECT_FALSE(env.provider().Running(id));

  auto woken = env.manager().Get(CoreTestEnv::kAlice, id);
  ASSERT_THAT(woken, IsOk());
  // The fake restarts fast: the restart may already be over.
  EXPECT_THAT(woken->status(),
              ::testing::AnyOf(sandbox::v1::SANDBOX_STATUS_BUILDING,
                               sandbox::v1::SANDBOX_STATUS_READY));
  Sandbox ready = env.AwaitSettled(id);
  EXPECT_EQ(ready.status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(ready.stop_reason(), sandbox::v1::STOP_REASON_UNSPECIFIED);
  EXPECT_TRUE(env.provider().Running(id));
  EXPECT_EQ(env.provider().CallCount(Call::kStart), 1);
}

TEST(SandboxLifecycleTest, RestartResumesAnInterruptedBuild) {
  CoreTestEnv env;
  env.provider().Hold(Call::kInstall);
  std::string id = CreateOne(env);
  env.provider().AwaitHeld(Call::kInstall, 1);
  env.Restart();  // the old manager shuts down mid-build
  auto interrupted = env.manager().Peek(CoreTestEnv::kAlice, id);
  ASSERT_THAT(interrupted, IsOk());
  EXPECT_EQ(interrupted->status(), sandbox::v1::SANDBOX_STATUS_BUILDING);

  env.provider().Release(Call::kInstall);
  ASSERT_THAT(env.manager().Reconcile(), IsOk());
  Sandbox done = env.AwaitSettled(id);
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_EQ(done.build_attempts(), 2);
  // Provision is idempotent per id: the resumed build reused the sandbox.
  EXPECT_EQ(env.provider().CallCount(Call::kProvision), 2);
}

TEST(SandboxLifecycleTest, BuildInterruptedTooOftenFails) {
  ManagerOptions options;
  options.max_build_attempts = 1;
  CoreTestEnv env(options);
  env.provider().Hold(Call::kInstall);
  std::string id = CreateOne(env);
  env.provider().AwaitHeld(Call::kInstall, 1);
  env.Restart();
  ASSERT_THAT(env.manager().Reconcile(), IsOk());
  Sandbox done = env.AwaitSettled(id);
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_FAILED);
  EXPECT_EQ(done.error().code(), "INTERRUPTED");
}

TEST(SandboxLifecycleTest, ReconcileRemovesOrphansAndNoticesLostSandboxes) {
  CoreTestEnv env;
  std::string kept = CreateOne(env);
  std::string lost = CreateOne(env);
  env.AwaitSettled(kept);
  env.AwaitSettled(lost);
  env.provider().AddOrphan("sbx-0123456789abcdef0123");
  env.provider().Lose(lost);
  ASSERT_THAT(env.manager().Reconcile(), IsOk());
  EXPECT_FALSE(env.provider().Exists("sbx-0123456789abcdef0123"));
  EXPECT_TRUE(env.provider().Exists(kept));
  auto lost_now = env.manager().Peek(CoreTestEnv::kAlice, lost);
  ASSERT_THAT(lost_now, IsOk());
  EXPECT_EQ(lost_now->status(), sandbox::v1::SANDBOX_STATUS_FAILED);
  EXPECT_EQ(lost_now->error().code(), "SANDBOX_LOST");
}

TEST(SandboxLifecycleTest, ReconcileFinishesAnInterruptedDelete) {
  ManagerOptions options;
  options.delete_wait = absl::Milliseconds(100);
  CoreTestEnv env(options);
  std::string id = CreateOne(env);
  env.AwaitSettled(id);
  env.provider().SetDefault(Call::kDestroy,
                            {.result = absl::UnavailableError("down")});
  auto message = env.manager().Delete(CoreTestEnv::kAlice, id);
  ASSERT_THAT(message, IsOk());
  EXPECT_EQ(*message, "deletion in progress");
  env.Restart();  // gives up retrying; the record stays DELETING
  auto deleting = env.manager().Peek(CoreTestEnv::kAlice, id);
  ASSERT_THAT(deleting, IsOk());
  EXPECT_EQ(deleting->status(), sandbox::v1::SANDBOX_STATUS_DELETING);
  env.provider().SetDefault(Call::kDestroy, {});
  ASSERT_THAT(env.manager().Reconcile(), IsOk());
  EXPECT_EQ(env.AwaitSettled(id).status(), sandbox::v1::SANDBOX_STATUS_DELETED);
  EXPECT_FALSE(env.provider().Exists(id));
}

TEST(SandboxLifecycleTest, DeletedRecordsArePurgedAfterRetention) {
  CoreTestEnv env;
  std::string id = CreateOne(env);
  env.AwaitSettled(id);
  ASSERT_THAT(env.manager().Delete(CoreTestEnv::kAlice, id), IsOk());
  env.AwaitSettled(id);
  env.clock().Advance(absl::Hours(25));
  env.manager().ReapIdle();
  EXPECT_THAT(env.manager().Get(CoreTestEnv::kAlice, id),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace sandboxd::testing
