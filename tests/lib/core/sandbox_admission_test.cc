// SandboxManager::Create under the owner quotas and the fair build queue:
// each quota at limit+1, what frees it, idempotent retries, and bursts of
// 200 creates from 4 owners. Builds are held at the provider's Provision
// gate, so what counts as "queued or running" never moves on its own.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/core/retry_hint.h"
#include "lib/core/sandbox_manager.h"
#include "tests/lib/core/core_test_env.h"
#include "tests/testing/status_matchers.h"

namespace sandboxd::testing {
namespace {

using ::sandbox::v1::Sandbox;
using ::testing::Optional;
using Call = FakeProvider::Call;

Caller Owner(const std::string& name) {
  return Caller{.owner = name, .admin = false};
}

ManagerOptions WithQuotas(QuotaLimits quotas) {
  ManagerOptions options;
  options.quotas = quotas;
  return options;
}

absl::StatusOr<Sandbox> Create(CoreTestEnv& env, const Caller& caller,
                               const std::string& request_id = "") {
  sandbox::v1::CreateSandboxRequest request = FrontendRequest();
  request.set_request_id(request_id);
  return env.manager().Create(caller, request);
}

TEST(SandboxAdmissionTest, SandboxQuotaFreesWhenOneIsDeleted) {
  CoreTestEnv env(WithQuotas(
      {.max_sandboxes = 2, .max_creates_per_minute = 0, .max_builds = 0}));
  const Caller alice = Owner("alice");
  auto first = Create(env, alice);
  auto second = Create(env, alice);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(env.AwaitSettled(first->sandbox_id()).status(),
            sandbox::v1::SANDBOX_STATUS_READY);
  env.AwaitSettled(second->sandbox_id());

  auto refused = Create(env, alice);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted,
                                "quota max_sandboxes_per_owner exceeded: "
                                "owner \"alice\" has 2 sandboxes (limit 2)"));
  EXPECT_THAT(RetryAfter(refused.status()), Optional(absl::Seconds(60)));
  EXPECT_THAT(Create(env, Owner("bob")), IsOk());  // another owner

  ASSERT_THAT(env.manager().Delete(alice, first->sandbox_id()), IsOk());
  EXPECT_THAT(Create(env, alice), IsOk());
}

TEST(SandboxAdmissionTest, CreatesPerMinuteComeBackAsTheMinutePasses) {
  CoreTestEnv env(WithQuotas(
      {.max_sandboxes = 0, .max_creates_per_minute = 3, .max_builds = 0}));
  const Caller alice = Owner("alice");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto created = Create(env, alice);
    ASSERT_THAT(created, IsOk());
    ids.push_back(created->sandbox_id());
  }
  auto refused = Create(env, alice);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted,
                                "quota max_creates_per_minute exceeded: owner "
                                "\"alice\" may create 3 sandboxes per minute; "
                                "retry after 20s"));
  EXPECT_THAT(RetryAfter(refused.status()), Optional(absl::Seconds(20)));
  for (const std::string& id : ids) env.AwaitSettled(id);

  env.clock().Advance(absl::Seconds(19));
  EXPECT_THAT(Create(env, alice),
              StatusIs(absl::StatusCode::kResourceExhausted, "retry after 1s"));
  env.clock().Advance(absl::Seconds(1));
  EXPECT_THAT(Create(env, alice), IsOk());
}

TEST(SandboxAdmissionTest, BuildsAtOnceFreeWhenABuildEnds) {
  CoreTestEnv env(WithQuotas(
      {.max_sandboxes = 0, .max_creates_per_minute = 0, .max_builds = 2}));
  const Caller alice = Owner("alice");
  env.provider().Hold(Call::kProvision);
  auto first = Create(env, alice);
  auto second = Create(env, alice);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  auto refused = Create(env, alice);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted,
                                "quota max_builds_per_owner exceeded: owner "
                                "\"alice\" has 2 builds queued or running "
                                "(limit 2); retry after 30s"));
  EXPECT_THAT(RetryAfter(refused.status()), Optional(absl::Seconds(30)));

  env.provider().Release(Call::kProvision);
  env.AwaitSettled(first->sandbox_id());
  env.AwaitSettled(second->sandbox_id());
  EXPECT_THAT(Create(env, alice), IsOk());
}

TEST(SandboxAdmissionTest, IdempotentRetriesAreNeverRefused) {
  CoreTestEnv env(WithQuotas(
      {.max_sandboxes = 1, .max_creates_per_minute = 1, .max_builds = 1}));
  const Caller alice = Owner("alice");
  env.provider().Hold(Call::kProvision);
  auto created = Create(env, alice, "req-1");
  ASSERT_THAT(created, IsOk());
  // Every quota is now at its limit; the retry still gets its sandbox.
  for (int i = 0; i < 3; ++i) {
    auto retried = Create(env, alice, "req-1");
    ASSERT_THAT(retried, IsOk());
    EXPECT_EQ(retried->sandbox_id(), created->sandbox_id());
  }
  EXPECT_THAT(Create(env, alice, "req-2"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  env.provider().Release(Call::kProvision);
}

TEST(SandboxAdmissionTest, AdminsAreExemptButNotFromTheQueueBound) {
  ManagerOptions options = WithQuotas(
      {.max_sandboxes = 1, .max_creates_per_minute = 1, .max_builds = 1});
  options.build_workers = 1;
  options.max_queued_builds = 2;
  CoreTestEnv env(options);
  env.provider().Hold(Call::kProvision);
  ASSERT_THAT(Create(env, CoreTestEnv::kAdmin), IsOk());  // runs
  env.provider().AwaitHeld(Call::kProvision, 1);
  ASSERT_THAT(Create(env, CoreTestEnv::kAdmin), IsOk());  // queued
  ASSERT_THAT(Create(env, CoreTestEnv::kAdmin), IsOk());  // queued
  auto full = Create(env, CoreTestEnv::kAdmin);
  EXPECT_THAT(full, StatusIs(absl::StatusCode::kResourceExhausted,
                             "the build queue is full (2 builds waiting); "
                             "retry after 60s"));
  EXPECT_THAT(RetryAfter(full.status()), Optional(absl::Seconds(60)));
  env.provider().Release(Call::kProvision);
}

// 4 owners' creates, each owner's in a row (the least fair arrival order).
struct Burst {
  std::vector<std::string> owners;
  std::map<std::string, std::vector<std::string>> accepted;  // owner → ids
  std::map<std::string, std::vector<absl::Status>> refused;
};

Burst SendBurst(CoreTestEnv& env, const std::map<std::string, int>& counts) {
  Burst burst;
  for (const auto& [owner, count] : counts) {
    burst.owners.push_back(owner);
    for (int i = 0; i < count; ++i) {
      absl::StatusOr<Sandbox> created = Create(env, Owner(owner));
      if (created.ok()) {
        EXPECT_EQ(created->status(), sandbox::v1::SANDBOX_STATUS_PENDING);
        burst.accepted[owner].push_back(created->sandbox_id());
      } else {
        burst.refused[owner].push_back(created.status());
      }
    }
  }
  return burst;
}

// The sandboxes among `waiting` that left the queue (position 0), removed
// from `waiting`.
std::vector<std::string> TakeStarted(CoreTestEnv& env,
                                     std::set<std::string>& waiting) {
  std::vector<std::string> started;
  for (auto it = waiting.begin(); it != waiting.end();) {
    absl::StatusOr<Sandbox> s = env.manager().Peek(CoreTestEnv::kAdmin, *it);
    EXPECT_THAT(s, IsOk());
    if (s.ok() && s->queue_position() == 0) {
      started.push_back(*it);
      it = waiting.erase(it);
    } else {
      ++it;
    }
  }
  return started;
}

TEST(SandboxAdmissionTest, BurstOf200FromFourOwnersQueuesAndStartsFairly) {
  constexpr int kWorkers = 4;
  ManagerOptions options = WithQuotas(
      {.max_sandboxes = 50, .max_creates_per_minute = 50, .max_builds = 50});
  options.build_workers = kWorkers;
  CoreTestEnv env(options);
  env.provider().Hold(Call::kProvision);
  // Another owner's builds hold every worker while the burst arrives.
  std::vector<std::string> running;
  for (int i = 0; i < kWorkers; ++i) {
    auto blocker = Create(env, Owner("zed"));
    ASSERT_THAT(blocker, IsOk());
    running.push_back(blocker->sandbox_id());
  }
  env.provider().AwaitHeld(Call::kProvision, kWorkers);

  Burst burst =
      SendBurst(env, {{"ann", 50}, {"ben", 50}, {"cat", 50}, {"dan", 50}});
  std::map<std::string, std::string> owner_of;
  std::set<std::string> waiting;
  for (size_t j = 0; j < burst.owners.size(); ++j) {
    const std::string& owner = burst.owners[j];
    EXPECT_TRUE(burst.refused[owner].empty()) << owner;
    ASSERT_EQ(burst.accepted[owner].size(), 50u) << owner;
    for (size_t i = 0; i < 50; ++i) {
      const std::string& id = burst.accepted[owner][i];
      owner_of[id] = owner;
      waiting.insert(id);
      // The i-th create of the j-th owner is in round i, j-th in it.
      auto s = env.manager().Peek(CoreTestEnv::kAdmin, id);
      ASSERT_THAT(s, IsOk());
      EXPECT_EQ(s->queue_position(), static_cast<int>(4 * i + j + 1))
          << owner << " #" << i;
    }
  }

  // Free the workers 4 at a time (deleting the held builds) and see which
  // builds take their place: one of each owner per round, oldest first.
  for (int round = 0; round < 10; ++round) {
    for (const std::string& id : running) {
      auto deleted = env.manager().Delete(CoreTestEnv::kAdmin, id);
      ASSERT_THAT(deleted, IsOk());
      ASSERT_EQ(*deleted, "deleted");
    }
    env.provider().AwaitHeld(Call::kProvision, kWorkers);
    running = TakeStarted(env, waiting);
    ASSERT_EQ(running.size(), static_cast<size_t>(kWorkers)) << round;
    std::set<std::string> started;
    for (const std::string& id : running) {
      const std::string& owner = owner_of[id];
      started.insert(owner_of[id]);
      EXPECT_EQ(id, burst.accepted[owner][round]) << owner << " in " << round;
    }
    EXPECT_EQ(started.size(), static_cast<size_t>(kWorkers)) << round;
  }
  env.provider().Release(Call::kProvision);
}

TEST(SandboxAdmissionTest, BurstBeyondOneOwnersQuotaRefusesOnlyItsExcess) {
  CoreTestEnv env;  // the documented defaults: 20 builds per owner
  ASSERT_EQ(QuotaLimits{}.max_builds, 20);
  env.provider().Hold(Call::kProvision);
  Burst burst =
      SendBurst(env, {{"ann", 140}, {"ben", 20}, {"cat", 20}, {"dan", 20}});
  EXPECT_EQ(burst.accepted["ann"].size(), 20u);
  ASSERT_EQ(burst.refused["ann"].size(), 120u);
  for (const absl::Status& status : burst.refused["ann"]) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted,
                                 "quota max_builds_per_owner exceeded: owner "
                                 "\"ann\" has 20 builds queued or running "
                                 "(limit 20); retry after 30s"));
    EXPECT_THAT(RetryAfter(status), Optional(absl::Seconds(30)));
  }
  for (const std::string owner : {"ben", "cat", "dan"}) {
    EXPECT_EQ(burst.accepted[owner].size(), 20u) << owner;
  }
  EXPECT_TRUE(burst.refused["ben"].empty());
  EXPECT_TRUE(burst.refused["cat"].empty());
  EXPECT_TRUE(burst.refused["dan"].empty());
  env.provider().Release(Call::kProvision);
}

}  // namespace
}  // namespace sandboxd::testing
