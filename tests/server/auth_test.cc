// Authentication and tenant isolation through the real gRPC server.
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/auth/token_minter.h"
#include "server/auth_setup.h"
#include "tests/server/server_test_env.h"

namespace sandboxd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-test-secret";

CallerResolver TestCallers() {
  auth::VerifierOptions options;
  options.hs256_secret = kSecret;
  options.issuer = "sandboxd";
  options.audience = "sandboxd";
  auto verifier = auth::JwtVerifier::Create(options);
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return JwtCallers(
      std::shared_ptr<const auth::JwtVerifier>(*std::move(verifier)));
}

std::string Token(const std::string& sub, bool admin = false,
                  absl::Duration ttl = absl::Hours(1),
                  absl::Time now = absl::Now()) {
  auth::MinterOptions options;
  options.hs256_secret = kSecret;
  auto minter = auth::TokenMinter::Create(options);
  EXPECT_TRUE(minter.ok());
  auto token = (*minter)->Mint(sub, admin, ttl, now, "sandboxd", "sandboxd");
  EXPECT_TRUE(token.ok());
  return *token;
}

std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

class AuthTest : public ::testing::Test {
 protected:
  ServerTestEnv env_{{}, true, TestCallers()};
  std::string alice_ = Token("alice");
  std::string bob_ = Token("bob");
  std::string admin_ = Token("ops", /*admin=*/true);
};

TEST_F(AuthTest, MissingOrBadTokensAreUnauthenticatedWithoutEchoingThem) {
  sandbox::v1::ListSandboxesResponse listed;
  grpc::Status none = env_.stub().List(As("").get(), {}, &listed);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("missing"));

  std::string expired =
      Token("alice", false, absl::Minutes(5), absl::Now() - absl::Hours(1));
  std::string tampered = alice_;
  tampered[tampered.size() / 2] =
      tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& token :
       {expired, tampered, std::string("garbage.token.x")}) {
    grpc::Status s = env_.stub().List(As(token).get(), {}, &listed);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_THAT(s.error_message(), Not(HasSubstr(token)));
    EXPECT_THAT(s.error_message(), Not(HasSubstr(token.substr(0, 16))));
  }
}

TEST_F(AuthTest, TenantsCannotSeeOrTouchEachOthersSandboxes) {
  sandbox::v1::CreateSandboxResponse created;
  ASSERT_TRUE(
      env_.stub().Create(As(alice_).get(), FrontendRequest(), &created).ok());
  const std::string id = created.sandbox_id();
  EXPECT_EQ(created.sandbox().owner(), "alice");

  sandbox::v1::GetSandboxRequest get;
  get.set_sandbox_id(id);
  sandbox::v1::GetSandboxResponse got;
  EXPECT_TRUE(env_.stub().Get(As(alice_).get(), get, &got).ok());
  grpc::Status bob_get = env_.stub().Get(As(bob_).get(), get, &got);
  EXPECT_EQ(bob_get.error_code(), grpc::StatusCode::NOT_FOUND);

  sandbox::v1::DeleteSandboxRequest del;
  del.set_sandbox_id(id);
  sandbox::v1::DeleteSandboxResponse deleted;
  EXPECT_EQ(env_.stub().Delete(As(bob_).get(), del, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);

  sandbox::v1::WatchBuildRequest watch;
  watch.set_sandbox_id(id);
  auto context = As(bob_);
  auto reader = env_.stub().WatchBuild(context.get(), watch);
  sandbox::v1::BuildEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);

  sandbox::v1::ListSandboxesResponse bobs, admins;
  ASSERT_TRUE(env_.stub().List(As(bob_).get(), {}, &bobs).ok());
  EXPECT_EQ(bobs.count(), 0);
  ASSERT_TRUE(env_.stub().List(As(admin_).get(), {}, &admins).ok());
  EXPECT_EQ(admins.count(), 1);
  EXPECT_TRUE(env_.stub().Get(As(admin_).get(), get, &got).ok());

  // Idempotency keys are per owner: bob's "k" is not alice's "k".
  auto keyed = FrontendRequest();
  keyed.set_request_id("k");
  sandbox::v1::CreateSandboxResponse a1, b1;
  ASSERT_TRUE(env_.stub().Create(As(alice_).get(), keyed, &a1).ok());
  ASSERT_TRUE(env_.stub().Create(As(bob_).get(), keyed, &b1).ok());
  EXPECT_NE(a1.sandbox_id(), b1.sandbox_id());
  env_.core().AwaitSettled(id);
  env_.core().AwaitSettled(a1.sandbox_id());
  env_.core().AwaitSettled(b1.sandbox_id());
}

TEST_F(AuthTest, HealthNeedsNoToken) {
  // grpc.health.v1.Health/Check {service: "sandbox.v1.SandboxService"},
  // encoded by hand (Debian ships no C++ health stubs).
  const std::string service = "sandbox.v1.SandboxService";
  std::string bytes = std::string(1, '\x0a') +
                      std::string(1, static_cast<char>(service.size())) +
                      service;
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::GenericStub generic(env_.channel());
  grpc::CompletionQueue cq;
  auto context = As("");
  auto call = generic.PrepareUnaryCall(
      context.get(), "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string out;
  for (const auto& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(out, std::string("\x08\x01"));  // status: SERVING
  cq.Shutdown();
}

TEST(AuthSetupTest, InsecureModeNeedsLoopbackAddresses) {
  ServiceConfig config;
  config.insecure_no_auth = true;
  config.grpc_addr = "0.0.0.0:50051";
  std::ostringstream out;
  auto resolver = MakeCallerResolver(config, out);
  EXPECT_EQ(resolver.status().code(), absl::StatusCode::kInvalidArgument);
  config.grpc_addr = "127.0.0.1:50051";
  config.http_addr = "[::1]:8080";
  EXPECT_TRUE(MakeCallerResolver(config, out).ok());
}

TEST(AuthSetupTest, FirstStartGeneratesAKeyAndPrintsAWorkingToken) {
  ServiceConfig config;
  config.data_dir = MakeTempDir();
  std::ostringstream out;
  auto resolver = MakeCallerResolver(config, out);
  ASSERT_TRUE(resolver.ok()) << resolver.status();
  EXPECT_THAT(out.str(), HasSubstr("sandboxctl --server"));
  EXPECT_THAT(out.str(), HasSubstr("curl -H 'Authorization: Bearer "));
  auto token = MintToken(config, "carol", false, absl::Hours(1));
  ASSERT_TRUE(token.ok()) << token.status();
  // A second start reuses the key quietly.
  std::ostringstream again;
  ASSERT_TRUE(MakeCallerResolver(config, again).ok());
  EXPECT_EQ(again.str(), "");
  std::filesystem::remove_all(config.data_dir);
}

}  // namespace
}  // namespace sandboxd::testing
