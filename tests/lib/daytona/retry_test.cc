#include "lib/daytona/retry.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/lib/daytona/fake_sleeper.h"
#include "tests/lib/daytona/mock_http_transport.h"

namespace sandboxd::daytona {
namespace {

using ::sandboxd::daytona::testing::FakeClock;
using ::sandboxd::daytona::testing::FakeSleeper;
using ::sandboxd::daytona::testing::MockHttpTransport;
using ::sandboxd::daytona::testing::Reply;
using ::sandboxd::daytona::testing::TestContext;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Return;

HttpHeaders Headers(
    std::initializer_list<std::pair<std::string, std::string>> list) {
  HttpHeaders headers;
  for (const auto& [name, value] : list) headers.Add(name, value);
  return headers;
}

TEST(RateLimitDelayTest, ReadsPlainRetryAfter) {
  EXPECT_EQ(RateLimitDelay(Headers({{"Retry-After", "3"}})), absl::Seconds(3));
}

TEST(RateLimitDelayTest, ReadsThrottlerRetryAfterCaseInsensitively) {
  EXPECT_EQ(
      RateLimitDelay(Headers({{"retry-after-sandbox-create", "7"},
                              {"X-RateLimit-Reset-sandbox-create", "50"}})),
      absl::Seconds(7));
}

TEST(RateLimitDelayTest, UsesResetOfTheExhaustedThrottler) {
  EXPECT_EQ(
      RateLimitDelay(Headers({{"X-RateLimit-Remaining-authenticated", "9000"},
                              {"X-RateLimit-Reset-authenticated", "40"},
                              {"X-RateLimit-Remaining-sandbox-create", "0"},
                              {"X-RateLimit-Reset-sandbox-create", "12"}})),
      absl::Seconds(12));
}

TEST(RateLimitDelayTest, FallsBackToAnyResetAndIgnoresDates) {
  EXPECT_EQ(RateLimitDelay(Headers({{"X-RateLimit-Reset-anonymous", "5"}})),
            absl::Seconds(5));
  EXPECT_FALSE(RateLimitDelay(
                   Headers({{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}))
                   .has_value());
  EXPECT_FALSE(RateLimitDelay(HttpHeaders()).has_value());
}

TEST(IsRetryableTest, DistinguishesIdempotentAndNotSentCalls) {
  constexpr auto kIdem = Idempotency::kIdempotent;
  constexpr auto kNon = Idempotency::kNonIdempotent;
  EXPECT_TRUE(IsRetryable(Reply(503, ""), kIdem));
  EXPECT_FALSE(IsRetryable(Reply(503, ""), kNon));
  EXPECT_TRUE(IsRetryable(Reply(502, ""), kIdem));
  EXPECT_FALSE(IsRetryable(Reply(501, ""), kIdem));
  EXPECT_TRUE(IsRetryable(Reply(429, ""), kNon));
  EXPECT_TRUE(IsRetryable(
      Reply(409, R"({"message":"Sandbox state change in progress"})"), kNon));
  EXPECT_FALSE(IsRetryable(
      Reply(409, R"({"message":"Sandbox with name a already exists"})"),
      kIdem));
  EXPECT_FALSE(IsRetryable(Reply(404, ""), kIdem));
  const absl::Status reset = TransportError(absl::StatusCode::kUnavailable,
                                            "curl: reset", /*sent=*/true);
  EXPECT_TRUE(IsRetryable(reset, kIdem));
  EXPECT_FALSE(IsRetryable(reset, kNon));
  const absl::Status refused = TransportError(absl::StatusCode::kUnavailable,
                                              "curl: refused", /*sent=*/false);
  EXPECT_TRUE(IsRetryable(refused, kNon));
  EXPECT_FALSE(
      IsRetryable(absl::UnavailableError("not a transport error"), kIdem));
}

class RetrierTest : public ::testing::Test {
 protected:
  RetrierTest() {
    policy_.max_attempts = 4;
    policy_.initial_backoff = absl::Seconds(1);
    policy_.max_backoff = absl::Seconds(8);
  }
  Retrier MakeRetrier() { return Retrier(policy_, sleeper_, clock_, 42); }
  absl::StatusOr<HttpResponse> Run(Retrier& retrier, Idempotency idempotency,
                                   const CallContext& ctx) {
    HttpRequest request;
    request.url = "https://app.daytona.io/api/sandbox/x";
    return retrier.Run("get sandbox", idempotency, ctx,
                       [&](absl::Duration timeout) {
                         request.timeout = timeout;
                         return transport_.Send(request);
                       });
  }

  RetryPolicy policy_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<FakeSleeper> sleeper_ = std::make_shared<FakeSleeper>(clock_);
  MockHttpTransport transport_;
};

TEST_F(RetrierTest, WaitsRetryAfterOfThrottlerOn429) {
  EXPECT_CALL(transport_, Send(_))
      .WillOnce(Return(
          Reply(429, R"({"statusCode":429,"message":"Rate limit exceeded"})",
                {{"Retry-After-sandbox-create", "7"}})))
      .WillOnce(Return(Reply(200, "{}")));
  Retrier retrier = MakeRetrier();
  absl::StatusOr<HttpResponse> response =
      Run(retrier, Idempotency::kNonIdempotent, TestContext());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(sleeper_->sleeps(), ElementsAre(absl::Seconds(7)));
}

TEST_F(RetrierTest, WaitsRateLimitResetOn429) {
  EXPECT_CALL(transport_, Send(_))
      .WillOnce(Return(Reply(429, "",
                             {{"X-RateLimit-Remaining-authenticated", "0"},
                              {"X-RateLimit-Reset-authenticated", "12"}})))
      .WillOnce(Return(Reply(200, "{}")));
  Retrier retrier = MakeRetrier();
  ASSERT_TRUE(Run(retrier, Idempotency::kIdempotent, TestContext()).ok());
  EXPECT_THAT(sleeper_->sleeps(), ElementsAre(absl::Seconds(12)));
}

TEST_F(RetrierTest, CapsRetryAfterAndWaitsPlainRetryAfter) {
  policy_.max_retry_after = absl::Seconds(30);
  EXPECT_CALL(transport_, Send(_))
      .WillOnce(Return(Reply(429, "", {{"Retry-After", "3"}})))
      .WillOnce(Return(Reply(429, "", {{"Retry-After", "3600"}})))
      .WillOnce(Return(Reply(200, "{}")));
  Retrier retrier = MakeRetrier();
  ASSERT_TRUE(Run(retrier, Idempotency::kIdempotent, TestContext()).ok());
  EXPECT_THAT(sleeper_->sleeps(),
              ElementsAre(absl::Seconds(3), absl::Seconds(30)));
}

TEST_F(RetrierTest, Retries5xxOfIdempotentCall) {
  EXPECT_CALL(transport_, Send(_))
      .WillOnce(Return(Reply(503, "")))
      .WillOnce(
          Return(Reply(500, R"({"message":"An unexpected error occurred."})")))
      .WillOnce(Return(Reply(200, "ok")));
  Retrier retrier = MakeRetrier();
  absl::StatusOr<HttpResponse> response =
      Run(retrier, Idempotency::kIdempotent, TestContext());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "ok");
  EXPECT_EQ(sleeper_->sleeps().size(), 2u);
}

TEST_F(RetrierTest, DoesNotRetry5xxOfNonIdempotentCall) {
  EXPECT_CALL(transport_, Send(_)).WillOnce(Return(Reply(503, "")));
  Retrier retrier = MakeRetrier();
  absl::StatusOr<HttpResponse> response =
      Run(retrier, Idempotency::kNonIdempotent, TestContext());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(response.status().message(),
            "daytona: get sandbox: 503: empty body");
  EXPECT_TRUE(sleeper_->sleeps().empty());
}

TEST_F(RetrierTest, RetriesEmpty502) {
  EXPECT_CALL(transport_, Send(_))
      .WillOnce(Return(Reply(502, "")))
      .WillOnce(Return(Reply(200, "{}")));
  Retrier retrier = MakeRetrier();
  EXPECT_TRUE(Run(retrier, Idempotency::kIdempotent, TestContext()).ok());
}

TEST_F(RetrierTest, RetriesConnectionResetOnlyWhenIdempotent) {
  const absl::Status reset = TransportError(
      absl::StatusCode::kUnavailable, "curl: Connection reset by peer", true);
  EXPECT_CALL(transport_, Send(_))
      .WillOnce(Return(reset))
      .WillOnce(Return(Reply(200, "{}")))
      .WillOnce(Return(reset));
  Retrier retrier = MakeRetrier();
  EXPECT_TRUE(Run(retrier, Idempotency::kIdempotent, TestContext()).ok());
  absl::StatusOr<HttpResponse> non =
      Run(retrier, Idempotency::kNonIdempotent, TestContext());
  EXPECT_EQ(non.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(non.status().message(), HasSubstr("Connection reset"));
}

TEST_F(RetrierTest, RetriesUnsentRequestEvenWhenNotIdempotent) {
  EXPECT_CALL(transport_, Send(_))
      .WillOnce(Return(TransportError(absl::StatusCode::kUnavailable,
                                      "curl: Couldn't connect", false)))
      .WillOnce(Return(Reply(202, R"({"cmdId":"c"})")));
  Retrier retrier = MakeRetrier();
  EXPECT_TRUE(Run(retrier, Idempotency::kNonIdempotent, TestContext()).ok());
}

TEST_F(RetrierTest, RetriesTimeoutOfIdempotentCall) {
  EXPECT_CALL(transport_, Send(_))
      .WillOnce(Return(TransportError(absl::StatusCode::kDeadlineExceeded,
                                      "curl: Timeout was reached", true)))
      .WillOnce(Return(Reply(200, "{}")));
  Retrier retrier = MakeRetrier();
  EXPECT_TRUE(Run(retrier, Idempotency::kIdempotent, TestContext()).ok());
}

TEST_F(RetrierTest, WaitsOutStateChangeInProgress) {
  const auto in_progress = Reply(
      409,
      R"({"statusCode":409,"error":"Conflict","message":"Sandbox state change in progress"})");
  // More 409s than max_attempts: server-requested waits are not faults.
  int calls = 0;
  EXPECT_CALL(transport_, Send(_))
      .Times(9)
      .WillRepeatedly([&](const HttpRequest&) {
        return ++calls <= 8 ? in_progress : Reply(200, "{}");
      });
  Retrier retrier = MakeRetrier();
  EXPECT_TRUE(Run(retrier, Idempotency::kNonIdempotent, TestContext()).ok());
  EXPECT_EQ(sleeper_->sleeps().size(), 8u);
}

TEST_F(RetrierTest, StopsAfterFaultBudget) {
  EXPECT_CALL(transport_, Send(_))
      .Times(4)
      .WillRepeatedly(Return(Reply(503, "")));
  Retrier retrier = MakeRetrier();
  absl::StatusOr<HttpResponse> response =
      Run(retrier, Idempotency::kIdempotent, TestContext());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(sleeper_->sleeps().size(), 3u);
}

TEST_F(RetrierTest, NeverSleepsPastTheDeadline) {
  policy_.max_attempts = 1000;
  EXPECT_CALL(transport_, Send(_)).WillRepeatedly(Return(Reply(503, "")));
  Retrier retrier = MakeRetrier();
  const CallContext ctx = TestContext(absl::Seconds(20));
  absl::StatusOr<HttpResponse> response =
      Run(retrier, Idempotency::kIdempotent, ctx);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(response.status().message(),
              HasSubstr("last error: daytona: get sandbox: 503"));
  EXPECT_LT(clock_->Now(), ctx.deadline());
}

TEST_F(RetrierTest, GivesEachAttemptTheTimeLeft) {
  policy_.max_attempt_timeout = absl::Minutes(5);
  HttpRequest seen;
  EXPECT_CALL(transport_, Send(_)).WillOnce([&](const HttpRequest& request) {
    seen = request;
    return Reply(200, "{}");
  });
  Retrier retrier = MakeRetrier();
  ASSERT_TRUE(
      Run(retrier, Idempotency::kIdempotent, TestContext(absl::Seconds(90)))
          .ok());
  EXPECT_EQ(seen.timeout, absl::Seconds(90));
}

TEST_F(RetrierTest, FailsWithoutSendingWhenDeadlinePassed) {
  EXPECT_CALL(transport_, Send(_)).Times(0);
  Retrier retrier = MakeRetrier();
  clock_->Advance(absl::Hours(2));
  EXPECT_EQ(
      Run(retrier, Idempotency::kIdempotent, TestContext()).status().code(),
      absl::StatusCode::kDeadlineExceeded);
}

TEST_F(RetrierTest, StopsWhenCancelled) {
  auto cancellation = std::make_shared<Cancellation>();
  const CallContext ctx(testing::kTestEpoch + absl::Hours(1), cancellation);
  cancellation->Cancel();
  EXPECT_CALL(transport_, Send(_)).WillOnce(Return(Reply(503, "")));
  Retrier retrier = MakeRetrier();
  EXPECT_EQ(Run(retrier, Idempotency::kIdempotent, ctx).status().code(),
            absl::StatusCode::kCancelled);
}

TEST_F(RetrierTest, BackoffIsFullJitterUnderTheExponentialCap) {
  Retrier retrier = MakeRetrier();
  bool saw_below_half = false;
  for (int retry = 0; retry < 6; ++retry) {
    const absl::Duration cap =
        std::min(absl::Seconds(8), absl::Seconds(1) * (1 << retry));
    for (int i = 0; i < 50; ++i) {
      absl::Duration d = retrier.Backoff(retry);
      EXPECT_GE(d, absl::ZeroDuration());
      EXPECT_LE(d, cap);
      if (d < cap / 2) saw_below_half = true;
    }
  }
  EXPECT_TRUE(saw_below_half);
}

TEST_F(RetrierTest, SeededJitterIsReproducible) {
  Retrier a(policy_, sleeper_, clock_, 7);
  Retrier b(policy_, sleeper_, clock_, 7);
  for (int retry = 0; retry < 5; ++retry) {
    EXPECT_EQ(a.Backoff(retry), b.Backoff(retry));
  }
}

}  // namespace
}  // namespace sandboxd::daytona
