// BuildQueue: round-robin across owners, positions in that order, the
// bound and its retry hint.
#include "lib/core/build_queue.h"

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/core/retry_hint.h"
#include "tests/testing/status_matchers.h"

namespace sandboxd::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

// One worker kept busy by a blocker task, so that tasks queued meanwhile
// start in the queue's order once it is released.
class QueueTest : public ::testing::Test {
 protected:
  QueueTest() : queue_(1, 100) {
    EXPECT_THAT(queue_.Enqueue("blocker", "x",
                               [this] {
                                 started_.Notify();
                                 release_.WaitForNotification();
                               }),
                IsOk());
    started_.WaitForNotification();
  }
  ~QueueTest() override {
    if (!release_.HasBeenNotified()) release_.Notify();
    queue_.Shutdown();
  }

  // Queues a task that records its key when it starts; returns the position
  // Enqueue answered.
  int Add(const std::string& key, const std::string& owner) {
    absl::StatusOr<int> position = queue_.Enqueue(key, owner, [this, key] {
      absl::MutexLock lock(&mu_);
      order_.push_back(key);
    });
    EXPECT_THAT(position, IsOk());
    return position.value_or(-1);
  }

  // Releases the blocker and waits until `count` tasks ran.
  std::vector<std::string> RunAll(size_t count) {
    if (!release_.HasBeenNotified()) release_.Notify();
    absl::MutexLock lock(&mu_);
    auto ran = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return order_.size() >= count;
    };
    mu_.Await(absl::Condition(&ran));
    return order_;
  }

  BuildQueue queue_;
  absl::Notification started_;
  absl::Notification release_;
  absl::Mutex mu_;
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
};

TEST_F(QueueTest, TakesOneTaskPerOwnerInTurn) {
  for (const char* key : {"a1", "a2", "a3"}) Add(key, "alice");
  for (const char* key : {"b1", "b2", "b3"}) Add(key, "bob");
  Add("c1", "carol");
  EXPECT_THAT(RunAll(7), ElementsAre("a1", "b1", "c1", "a2", "b2", "a3", "b3"));
}

TEST_F(QueueTest, PositionsFollowTheFairOrder) {
  EXPECT_EQ(Add("a1", "alice"), 1);
  EXPECT_EQ(Add("a2", "alice"), 2);
  EXPECT_EQ(Add("a3", "alice"), 3);
  // Bob's first build goes right after Alice's first.
  EXPECT_EQ(Add("b1", "bob"), 2);
  EXPECT_EQ(queue_.Position("a1"), 1);
  EXPECT_EQ(queue_.Position("b1"), 2);
  EXPECT_EQ(queue_.Position("a2"), 3);
  EXPECT_EQ(queue_.Position("a3"), 4);
  EXPECT_EQ(queue_.NextPosition("bob"), 4);    // b2: after a2
  EXPECT_EQ(queue_.NextPosition("carol"), 3);  // c1: after b1
  EXPECT_EQ(queue_.NextPosition("alice"), 5);
  EXPECT_EQ(queue_.Position("blocker"), 0);  // running, not queued
  EXPECT_EQ(queue_.Position("unknown"), 0);

  EXPECT_TRUE(queue_.Remove("a1"));
  EXPECT_FALSE(queue_.Remove("a1"));
  EXPECT_EQ(queue_.Position("a2"), 1);
  EXPECT_EQ(queue_.Position("b1"), 2);
  EXPECT_EQ(queue_.Position("a3"), 3);
  EXPECT_THAT(RunAll(3), ElementsAre("a2", "b1", "a3"));
}

TEST_F(QueueTest, CountsQueuedAndRunningTasks) {
  Add("a1", "alice");
  Add("a2", "alice");
  Add("b1", "bob");
  EXPECT_EQ(queue_.queued(), 3u);
  EXPECT_EQ(queue_.running(), 1u);
}

TEST_F(QueueTest, RefusesADuplicateKey) {
  Add("a1", "alice");
  EXPECT_THAT(queue_.Enqueue("a1", "bob", [] {}),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST(BuildQueueTest, FullQueueIsResourceExhaustedWithARetryHint) {
  BuildQueue queue(0, 2);  // no workers: everything stays queued
  ASSERT_THAT(queue.Enqueue("a", "alice", [] {}), IsOk());
  ASSERT_THAT(queue.Enqueue("b", "bob", [] {}), IsOk());
  absl::StatusOr<int> full = queue.Enqueue("c", "carol", [] {});
  EXPECT_THAT(full, StatusIs(absl::StatusCode::kResourceExhausted,
                             "the build queue is full (2 builds waiting); "
                             "retry after 60s"));
  EXPECT_THAT(RetryAfter(full.status()), Optional(absl::Seconds(60)));
  EXPECT_THAT(queue.Shutdown(), ElementsAre("a", "b"));
}

TEST(BuildQueueTest, WithoutAnOwnerItIsFifo) {
  BuildQueue queue(0, 10);
  ASSERT_THAT(queue.Enqueue("a", [] {}), IsOk());
  ASSERT_THAT(queue.Enqueue("b", [] {}), IsOk());
  EXPECT_EQ(queue.Position("a"), 1);
  EXPECT_EQ(queue.Position("b"), 2);
}

}  // namespace
}  // namespace sandboxd::testing
