// Private previews through the real server: only a caller who may see a
// sandbox gets a tokenized preview URL (gRPC and REST), the token opens that
// sandbox's preview only, and refused visits neither wake it nor count as
// activity.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/auth/token_minter.h"
#include "lib/metrics/metrics_registry.h"
#include "sandbox/v1/sandbox.grpc.pb.h"
#include "server/auth_setup.h"
#include "server/preview_backend.h"
#include "server/sandboxd_server.h"
#include "tests/lib/core/core_test_env.h"
#include "tests/lib/http/test_client.h"

namespace sandboxd::testing {
namespace {

namespace http = boost::beast::http;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-test-secret";
constexpr char kTokenParam[] = "?sandboxd_preview_token=";

std::string Jwt(const std::string& sub, bool admin = false) {
  auth::MinterOptions options;
  options.hs256_secret = kSecret;
  auto minter = auth::TokenMinter::Create(options);
  EXPECT_TRUE(minter.ok());
  auto token = (*minter)->Mint(sub, admin, absl::Hours(1), absl::Now(),
                               "sandboxd", "sandboxd");
  EXPECT_TRUE(token.ok());
  return *token;
}

std::unique_ptr<grpc::ClientContext> As(const std::string& jwt) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  context->AddMetadata("authorization", "Bearer " + jwt);
  return context;
}

// The token in a preview URL from Get.
std::string TokenOf(const std::string& url) {
  size_t at = url.find(kTokenParam);
  return at == std::string::npos ? ""
                                 : url.substr(at + sizeof(kTokenParam) - 1);
}

class PreviewAuthTest : public ::testing::Test {
 protected:
  PreviewAuthTest() {
    auth::VerifierOptions verifier_options;
    verifier_options.hs256_secret = kSecret;
    verifier_options.issuer = "sandboxd";
    verifier_options.audience = "sandboxd";
    auto verifier = auth::JwtVerifier::Create(verifier_options);
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    auto tokens = auth::PreviewTokens::Create(
        std::string(32, 'p'), std::make_shared<FakeClock>(absl::Now()));
    EXPECT_TRUE(tokens.ok()) << tokens.status();

    SandboxServerOptions options;
    options.grpc_addr = "127.0.0.1:0";
    options.http_addr = "127.0.0.1:0";
    options.log_rpcs = false;
    options.callers = JwtCallers(
        std::shared_ptr<const auth::JwtVerifier>(*std::move(verifier)));
    // FakeProvider's preview URLs are http://{id}.preview.test/.
    options.preview_domain = "preview.test";
    options.preview = std::make_shared<ManagerPreviewBackend>(
        &core_.manager(), &core_.provider());
    options.preview_tokens = *std::move(tokens);
    auto server = SandboxServer::Start(options, &core_.manager(), &metrics_);
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = sandbox::v1::SandboxService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->grpc_port()),
                            grpc::InsecureChannelCredentials()));
  }
  ~PreviewAuthTest() override { server_->Drain(absl::Seconds(5)); }

  // A READY sandbox of `jwt`'s subject.
  std::string CreateReady(const std::string& jwt, bool public_preview = false) {
    auto request = FrontendRequest();
    request.set_public_preview(public_preview);
    sandbox::v1::CreateSandboxResponse created;
    grpc::Status status = stub_->Create(As(jwt).get(), request, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    core_.AwaitSettled(created.sandbox_id());
    return created.sandbox_id();
  }

  grpc::Status Get(const std::string& jwt, const std::string& id,
                   sandbox::v1::GetSandboxResponse* got) {
    sandbox::v1::GetSandboxRequest get;
    get.set_sandbox_id(id);
    return stub_->Get(As(jwt).get(), get, got);
  }

  HttpResponse Visit(const std::string& id, const std::string& target,
                     const std::string& cookie = "") {
    TestClient client(server_->http_port());
    HttpRequest request(http::verb::get, target, 11);
    request.set(http::field::host, id + ".preview.test");
    if (!cookie.empty()) request.set(http::field::cookie, cookie);
    client.Send(std::move(request));
    return client.Read();
  }

  HttpResponse Rest(const std::string& jwt, const std::string& target) {
    TestClient client(server_->http_port());
    HttpRequest request(http::verb::get, target, 11);
    request.set(http::field::authorization, "Bearer " + jwt);
    client.Send(std::move(request));
    return client.Read();
  }

  CoreTestEnv core_;
  MetricsRegistry metrics_;
  std::unique_ptr<SandboxServer> server_;
  std::unique_ptr<sandbox::v1::SandboxService::Stub> stub_;
  const std::string alice_ = Jwt("alice");
  const std::string bob_ = Jwt("bob");
  const std::string admin_ = Jwt("ops", /*admin=*/true);
};

TEST_F(PreviewAuthTest, OnlyCallersWhoSeeTheSandboxGetATokenizedUrl) {
  const std::string id = CreateReady(alice_);
  const std::string bare = "http://" + id + ".preview.test/";

  sandbox::v1::GetSandboxResponse got;
  ASSERT_TRUE(Get(alice_, id, &got).ok());
  EXPECT_THAT(got.sandbox().preview_url(), StartsWith(bare + kTokenParam));
  EXPECT_FALSE(got.sandbox().public_preview());
  ASSERT_TRUE(Get(admin_, id, &got).ok());
  EXPECT_THAT(got.sandbox().preview_url(), StartsWith(bare + kTokenParam));

  sandbox::v1::GetSandboxResponse bobs;
  EXPECT_EQ(Get(bob_, id, &bobs).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(bobs.sandbox().preview_url(), "");

  // REST takes the same path.
  HttpResponse rest = Rest(alice_, "/api/sandbox/" + id);
  EXPECT_EQ(rest.result(), http::status::ok);
  EXPECT_THAT(rest.body(), HasSubstr(bare + kTokenParam));
  HttpResponse bob_rest = Rest(bob_, "/api/sandbox/" + id);
  EXPECT_EQ(bob_rest.result(), http::status::not_found);
  EXPECT_THAT(bob_rest.body(), Not(HasSubstr("preview_token")));

  // The record and List keep the bare URL (tokens expire).
  EXPECT_EQ(core_.AwaitSettled(id).preview_url(), bare);
  sandbox::v1::ListSandboxesResponse listed;
  ASSERT_TRUE(stub_->List(As(alice_).get(), {}, &listed).ok());
  ASSERT_EQ(listed.sandboxes_size(), 1);
  EXPECT_EQ(listed.sandboxes(0).preview_url(), bare);
}

TEST_F(PreviewAuthTest, CreateWaitingUntilReadyAnswersATokenizedUrl) {
  auto request = FrontendRequest();
  request.set_wait_until_ready(true);
  sandbox::v1::CreateSandboxResponse created;
  ASSERT_TRUE(stub_->Create(As(alice_).get(), request, &created).ok());
  EXPECT_THAT(created.preview_url(), HasSubstr(kTokenParam));
  EXPECT_EQ(created.sandbox().preview_url(), created.preview_url());
}

TEST_F(PreviewAuthTest, TokenOpensOnlyItsOwnSandbox) {
  const std::string a = CreateReady(alice_);
  const std::string b = CreateReady(alice_);
  sandbox::v1::GetSandboxResponse got;
  ASSERT_TRUE(Get(alice_, a, &got).ok());
  const std::string token = TokenOf(got.sandbox().preview_url());
  ASSERT_FALSE(token.empty());

  EXPECT_EQ(Visit(b, std::string("/") + kTokenParam + token).result(),
            http::status::forbidden);
  HttpResponse signed_in = Visit(a, std::string("/") + kTokenParam + token);
  ASSERT_EQ(signed_in.result(), http::status::see_other);
  std::string cookie(signed_in[http::field::set_cookie]);
  cookie.resize(cookie.find(';'));
  EXPECT_EQ(Visit(b, "/", cookie).result(), http::status::forbidden);
  // FakeProvider's apps cannot be dialled: the waiting page, not a refusal.
  EXPECT_EQ(Visit(a, "/", cookie).result(), http::status::ok);
}

TEST_F(PreviewAuthTest, RefusedVisitIsNotActivity) {
  const std::string id = CreateReady(alice_);
  sandbox::v1::GetSandboxResponse got;
  ASSERT_TRUE(Get(alice_, id, &got).ok());
  const std::string token = TokenOf(got.sandbox().preview_url());
  const int64_t before = core_.AwaitSettled(id).last_activity_time().seconds();
  core_.clock().Advance(absl::Minutes(1));
  HttpResponse refused = Visit(id, "/");
  EXPECT_EQ(refused.result(), http::status::forbidden);
  EXPECT_THAT(refused.body(), HasSubstr("This preview is private"));
  EXPECT_EQ(core_.AwaitSettled(id).last_activity_time().seconds(), before);
  // The same measure moves for a signed-in visit.
  HttpResponse signed_in = Visit(id, std::string("/") + kTokenParam + token);
  std::string cookie(signed_in[http::field::set_cookie]);
  cookie.resize(cookie.find(';'));
  EXPECT_EQ(Visit(id, "/", cookie).result(), http::status::ok);
  EXPECT_EQ(core_.AwaitSettled(id).last_activity_time().seconds(), before + 60);
}

TEST_F(PreviewAuthTest, PublicPreviewHasABareUrlAndNeedsNoToken) {
  const std::string id = CreateReady(alice_, /*public_preview=*/true);
  sandbox::v1::GetSandboxResponse got;
  ASSERT_TRUE(Get(alice_, id, &got).ok());
  EXPECT_TRUE(got.sandbox().public_preview());
  EXPECT_EQ(got.sandbox().preview_url(), "http://" + id + ".preview.test/");
  EXPECT_EQ(Visit(id, "/").result(), http::status::ok);
}

}  // namespace
}  // namespace sandboxd::testing
