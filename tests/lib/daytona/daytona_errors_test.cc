#include "lib/daytona/daytona_errors.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::daytona {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

HttpResponse Nest(int status, const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.body = "{\"statusCode\":" + std::to_string(status) +
                  ",\"error\":\"x\",\"message\":\"" + message + "\"}";
  return response;
}

TEST(DaytonaErrorsTest, MapsTheTable) {
  using C = absl::StatusCode;
  EXPECT_EQ(HttpStatusToCode(
                400, "Cannot specify Sandbox resources when using a snapshot"),
            C::kInvalidArgument);
  EXPECT_EQ(HttpStatusToCode(400, "Sandbox is not in a stoppable state"),
            C::kFailedPrecondition);
  EXPECT_EQ(HttpStatusToCode(400, "Sandbox is not stopped"),
            C::kFailedPrecondition);
  EXPECT_EQ(HttpStatusToCode(400, "Sandbox failed to start: OOM"),
            C::kFailedPrecondition);
  EXPECT_EQ(
      HttpStatusToCode(
          400, "failed to resolve container IP for x. Is the Sandbox started?"),
      C::kFailedPrecondition);
  EXPECT_EQ(HttpStatusToCode(
                400, "Total disk limit exceeded. Maximum allowed: 30GiB"),
            C::kResourceExhausted);
  EXPECT_EQ(HttpStatusToCode(401, "Unauthorized"), C::kUnauthenticated);
  EXPECT_EQ(HttpStatusToCode(403, "Forbidden"), C::kPermissionDenied);
  EXPECT_EQ(HttpStatusToCode(404, "Sandbox with ID or name x not found"),
            C::kNotFound);
  EXPECT_EQ(HttpStatusToCode(408, ""), C::kDeadlineExceeded);
  EXPECT_EQ(HttpStatusToCode(409, "Sandbox state change in progress"),
            C::kAborted);
  EXPECT_EQ(HttpStatusToCode(409, "Sandbox with name x already exists"),
            C::kAlreadyExists);
  EXPECT_EQ(HttpStatusToCode(410, ""), C::kNotFound);
  EXPECT_EQ(HttpStatusToCode(422, ""), C::kInvalidArgument);
  EXPECT_EQ(HttpStatusToCode(429, "Rate limit exceeded"),
            C::kResourceExhausted);
  EXPECT_EQ(HttpStatusToCode(500, "An unexpected error occurred."),
            C::kUnavailable);
  EXPECT_EQ(HttpStatusToCode(501, ""), C::kUnimplemented);
  EXPECT_EQ(HttpStatusToCode(502, ""), C::kUnavailable);
  EXPECT_EQ(HttpStatusToCode(503, ""), C::kUnavailable);
  EXPECT_EQ(HttpStatusToCode(504, ""), C::kDeadlineExceeded);
  EXPECT_EQ(HttpStatusToCode(418, ""), C::kFailedPrecondition);
  EXPECT_EQ(HttpStatusToCode(302, ""), C::kUnknown);
}

TEST(DaytonaErrorsTest, FormatsOperationStatusAndServerMessage) {
  absl::Status status = HttpError(
      "create sandbox", Nest(409, "Sandbox with name x already exists"));
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(status.message(),
            "daytona: create sandbox: 409: Sandbox with name x already exists");
}

TEST(DaytonaErrorsTest, NamesEmptyBodiesAndDaemonCodes) {
  HttpResponse empty;
  empty.status = 502;
  EXPECT_EQ(HttpError("exec command", empty).message(),
            "daytona: exec command: 502: empty body");
  HttpResponse daemon;
  daemon.status = 408;
  daemon.body =
      R"({"statusCode":408,"message":"timed out","code":"REQUEST_TIMEOUT"})";
  absl::Status status = HttpError("exec command", daemon);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(status.message(), HasSubstr("timed out [REQUEST_TIMEOUT]"));
}

TEST(DaytonaErrorsTest, TruncatesHugeBodies) {
  HttpResponse html;
  html.status = 503;
  html.body = std::string(5000, 'x');
  EXPECT_LT(HttpError("get sandbox", html).message().size(), 600u);
}

TEST(DaytonaErrorsTest, RecognisesStateChangeInProgress) {
  EXPECT_TRUE(
      IsStateChangeInProgress(Nest(409, "Sandbox state change in progress")));
  EXPECT_FALSE(
      IsStateChangeInProgress(Nest(409, "Sandbox with name x already exists")));
  EXPECT_FALSE(IsStateChangeInProgress(Nest(400, "state change in progress")));
}

TEST(DaytonaErrorsTest, RedactsSecretKeepingCodeAndPayload) {
  absl::Status status = absl::UnauthenticatedError(
      "daytona: get sandbox: 401: invalid key dtn_secret_123456");
  status.SetPayload("type.test/p", absl::Cord("v"));
  absl::Status redacted = Redact(status, "dtn_secret_123456");
  EXPECT_EQ(redacted.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(redacted.message(), Not(HasSubstr("dtn_secret_123456")));
  EXPECT_THAT(redacted.message(), HasSubstr("[redacted]"));
  EXPECT_TRUE(redacted.GetPayload("type.test/p").has_value());
}

TEST(DaytonaErrorsTest, WithOperationKeepsTransportPayload) {
  absl::Status transport = TransportError(
      absl::StatusCode::kUnavailable, "curl: reset", /*request_sent=*/false);
  absl::Status wrapped = WithOperation("get sandbox", transport);
  EXPECT_EQ(wrapped.message(), "daytona: get sandbox: curl: reset");
  EXPECT_TRUE(IsNotSentError(wrapped));
}

}  // namespace
}  // namespace sandboxd::daytona
