#include "lib/core/event_log.h"

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lib/core/core_test_env.h"
#include "tests/testing/status_matchers.h"

namespace sandboxd::testing {
namespace {

using ::sandbox::v1::BuildEvent;

BuildEvent LogEvent(const std::string& text) {
  BuildEvent e;
  e.set_phase(sandbox::v1::BUILD_PHASE_INSTALLING);
  e.mutable_log()->set_stream(sandbox::v1::LOG_STREAM_STDOUT);
  e.mutable_log()->set_text(text);
  return e;
}

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox::v1::Sandbox s;
    s.set_sandbox_id(kId);
    s.set_owner("alice");
    ASSERT_THAT(env_.store().InsertSandbox(s, {}, "", ""), IsOk());
  }
  static constexpr char kId[] = "sbx-aaaaaaaaaaaaaaaaaaaa";
  CoreTestEnv env_;
};

TEST_F(EventLogTest, NumbersEventsAndReadsFromTheTailAndTheStore) {
  EventLog::Options options;
  options.tail_size = 4;
  EventLog log(&env_.store(), std::make_shared<FakeClock>(), options);
  for (int i = 1; i <= 10; ++i) {
    auto seq = log.Append(kId, LogEvent("line " + std::to_string(i)));
    ASSERT_THAT(seq, IsOk());
    EXPECT_EQ(*seq, i);
  }
  // From the middle (older than the tail: served by the store).
  auto middle = log.Read(kId, 3, 100);
  ASSERT_THAT(middle, IsOk());
  ASSERT_EQ(middle->size(), 7u);
  EXPECT_EQ(middle->front().sequence(), 4);
  EXPECT_EQ(middle->front().log().text(), "line 4");
  // The tail.
  auto tail = log.Read(kId, 8, 100);
  ASSERT_THAT(tail, IsOk());
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ(tail->back().sequence(), 10);
  EXPECT_EQ(tail->back().sandbox_id(), kId);
  // A fresh log on the same store continues the numbering.
  EventLog reopened(&env_.store(), std::make_shared<FakeClock>(), options);
  auto next = reopened.Append(kId, LogEvent("after restart"));
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(*next, 11);
}

TEST_F(EventLogTest, WaitWakesOnNewEventsAndWhenTheBuildEnds) {
  EventLog log(&env_.store(), std::make_shared<FakeClock>(), {});
  log.SetActive(kId, true);
  absl::Notification woke;
  log.Wait(kId, 0, [&] { woke.Notify(); });
  EXPECT_FALSE(woke.HasBeenNotified());
  ASSERT_THAT(log.Append(kId, LogEvent("x")), IsOk());
  EXPECT_TRUE(woke.WaitForNotificationWithTimeout(absl::Seconds(10)));

  absl::Notification ended;
  log.Wait(kId, 1, [&] { ended.Notify(); });
  log.SetActive(kId, false);
  EXPECT_TRUE(ended.WaitForNotificationWithTimeout(absl::Seconds(10)));

  absl::Notification cancelled;
  log.SetActive(kId, true);
  uint64_t handle = log.Wait(kId, 1, [&] { cancelled.Notify(); });
  log.CancelWait(kId, handle);
  ASSERT_THAT(log.Append(kId, LogEvent("y")), IsOk());
  log.SetActive(kId, false);
  EXPECT_FALSE(cancelled.HasBeenNotified());
}

TEST_F(EventLogTest, LogLinesAreCappedAndCut) {
  EventLog::Options options;
  options.max_log_events = 3;
  options.max_line_bytes = 8;
  EventLog log(&env_.store(), std::make_shared<FakeClock>(), options);
  log.SetActive(kId, true);
  for (int i = 0; i < 10; ++i) {
    ASSERT_THAT(log.Append(kId, LogEvent("0123456789abcdef")), IsOk());
  }
  auto events = log.Read(kId, 0, 100);
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), 4u);  // 3 lines and one notice
  EXPECT_EQ(events->at(0).log().text(), "01234567…");
  EXPECT_THAT(events->at(3).log().text(), ::testing::HasSubstr("truncated"));
  // Phase changes are never dropped.
  BuildEvent phase;
  phase.mutable_phase_change()->set_to(sandbox::v1::BUILD_PHASE_READY);
  auto seq = log.Append(kId, phase);
  ASSERT_THAT(seq, IsOk());
  EXPECT_EQ(*seq, 5);
}

}  // namespace
}  // namespace sandboxd::testing
