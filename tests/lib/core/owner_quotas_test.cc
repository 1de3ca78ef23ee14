// OwnerQuotas on its own: each limit at limit+1, its message and retry hint,
// the per-minute bucket on the fake clock, admins, and that an admission
// holds the owner's lock.
#include "lib/core/owner_quotas.h"

#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/core/retry_hint.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace sandboxd::testing {
namespace {

using ::testing::Optional;

const Caller kAlice{.owner = "alice", .admin = false};
const Caller kBob{.owner = "bob", .admin = false};
const Caller kAdmin{.owner = "root", .admin = true};

class OwnerQuotasTest : public ::testing::Test {
 protected:
  OwnerQuotasTest()
      : clock_(std::make_shared<FakeClock>()),
        quotas_(QuotaLimits{.max_sandboxes = 3,
                            .max_creates_per_minute = 4,
                            .max_builds = 2},
                clock_) {}

  // One admission: Check with `usage`, Commit when admitted.
  absl::Status Create(const Caller& caller, OwnerUsage usage = {}) {
    OwnerQuotas::Admission admission = quotas_.Begin(caller);
    absl::Status status = admission.Check(usage);
    if (status.ok()) admission.Commit();
    return status;
  }

  std::shared_ptr<FakeClock> clock_;
  OwnerQuotas quotas_;
};

TEST_F(OwnerQuotasTest, SandboxesAtTheLimitAreRefused) {
  EXPECT_THAT(Create(kAlice, {.sandboxes = 2}), IsOk());
  absl::Status refused = Create(kAlice, {.sandboxes = 3});
  EXPECT_THAT(refused,
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "quota max_sandboxes_per_owner exceeded: owner "
                       "\"alice\" has 3 sandboxes (limit 3); delete one; "
                       "retry after 60s"));
  EXPECT_THAT(RetryAfter(refused), Optional(absl::Seconds(60)));
}

TEST_F(OwnerQuotasTest, BuildsAtTheLimitAreRefused) {
  EXPECT_THAT(Create(kAlice, {.builds = 1}), IsOk());
  absl::Status refused = Create(kAlice, {.builds = 2});
  EXPECT_THAT(refused,
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "quota max_builds_per_owner exceeded: owner \"alice\" "
                       "has 2 builds queued or running (limit 2); retry "
                       "after 30s"));
  EXPECT_THAT(RetryAfter(refused), Optional(absl::Seconds(30)));
}

TEST_F(OwnerQuotasTest, CreatesPerMinuteRefillEvenlyOverAMinute) {
  for (int i = 0; i < 4; ++i) EXPECT_THAT(Create(kAlice), IsOk()) << i;
  absl::Status refused = Create(kAlice);
  // One create per 15 s comes back.
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted,
                                "quota max_creates_per_minute exceeded: owner "
                                "\"alice\" may create 4 sandboxes per minute; "
                                "retry after 15s"));
  EXPECT_THAT(RetryAfter(refused), Optional(absl::Seconds(15)));
  // Other owners have their own bucket.
  EXPECT_THAT(Create(kBob), IsOk());

  clock_->Advance(absl::Seconds(10));
  EXPECT_THAT(RetryAfter(Create(kAlice)), Optional(absl::Seconds(5)));
  clock_->Advance(absl::Seconds(5));
  EXPECT_THAT(Create(kAlice), IsOk());
  EXPECT_THAT(Create(kAlice), StatusIs(absl::StatusCode::kResourceExhausted));

  // A whole minute later the bucket is full again: four, not more.
  clock_->Advance(absl::Minutes(1));
  for (int i = 0; i < 4; ++i) EXPECT_THAT(Create(kAlice), IsOk()) << i;
  EXPECT_THAT(Create(kAlice), StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST_F(OwnerQuotasTest, OnlyCommittedCreatesUseTheRate) {
  for (int i = 0; i < 10; ++i) {
    OwnerQuotas::Admission admission = quotas_.Begin(kAlice);
    EXPECT_THAT(admission.Check({}), IsOk());  // never committed
  }
  for (int i = 0; i < 4; ++i) EXPECT_THAT(Create(kAlice), IsOk()) << i;
}

TEST_F(OwnerQuotasTest, AdminsAreExempt) {
  for (int i = 0; i < 10; ++i) {
    EXPECT_THAT(Create(kAdmin, {.sandboxes = 100, .builds = 100}), IsOk());
  }
  EXPECT_TRUE(quotas_.Begin(kAdmin).exempt());
  EXPECT_FALSE(quotas_.Begin(kAlice).exempt());
}

TEST_F(OwnerQuotasTest, ZeroTurnsALimitOff) {
  OwnerQuotas unlimited(
      QuotaLimits{
          .max_sandboxes = 0, .max_creates_per_minute = 0, .max_builds = 0},
      clock_);
  for (int i = 0; i < 100; ++i) {
    OwnerQuotas::Admission admission = unlimited.Begin(kAlice);
    ASSERT_THAT(admission.Check({.sandboxes = 1000, .builds = 1000}), IsOk());
    admission.Commit();
  }
}

TEST_F(OwnerQuotasTest, AnAdmissionDoesNotHoldOtherOwners) {
  OwnerQuotas::Admission alice = quotas_.Begin(kAlice);
  absl::Notification bob_done;
  std::thread other([&] {
    OwnerQuotas::Admission bob = quotas_.Begin(kBob);
    EXPECT_THAT(bob.Check({}), IsOk());
    bob.Commit();
    bob_done.Notify();
  });
  // Would never return if Bob waited for Alice's admission.
  bob_done.WaitForNotification();
  other.join();
}

}  // namespace
}  // namespace sandboxd::testing
