// sandboxctl over TLS and mutual TLS (client/channel.cc): RunSandboxctl with
// the production stub factory against an in-process server that requires
// client certificates, with a throwaway PKI (tests/testing/test_pki.h).
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "client/channel.h"
#include "client/command_runner.h"
#include "client/sandboxctl.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/client/fake_clock.h"
#include "tests/client/fake_sandbox_service.h"
#include "tests/testing/test_pki.h"

namespace sandboxd::client {
namespace {

using ::testing::HasSubstr;
using Pki = ::sandboxd::testing::TestPki;

class SandboxctlTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Pki::Get().ok()) << "openssl CLI failed";
    grpc::SslServerCredentialsOptions tls(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    tls.pem_root_certs = Pki::Get().Read("ca.pem");
    tls.pem_key_cert_pairs.push_back(
        {Pki::Get().Read("server.key"), Pki::Get().Read("server.pem")});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(tls),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    // The server certificate names localhost (and 127.0.0.1).
    address_ = "localhost:" + std::to_string(port);
    service_.SetListPages({sandbox::v1::ListSandboxesResponse()});
  }

  void TearDown() override { server_->Shutdown(); }

  int Run(std::vector<std::string> args, const Environment& env = {}) {
    args.insert(args.begin(), {"--server", address_, "--timeout", "10s"});
    out_.str("");
    err_.str("");
    return RunSandboxctl(args, env, MakeSandboxStub, clock_, in_, out_, err_);
  }

  testing::FakeSandboxService service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  testing::FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::istringstream in_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(SandboxctlTlsTest, ClientCertificateFromFlagsIsAccepted) {
  EXPECT_EQ(Run({"list", "--tls", "--ca", Pki::Get().Path("ca.pem"), "--cert",
                 Pki::Get().Path("client.pem"), "--key",
                 Pki::Get().Path("client.key")}),
            kExitOk)
      << err_.str();
}

TEST_F(SandboxctlTlsTest, ClientCertificateFromEnvironmentIsAccepted) {
  Environment env;
  env.tls_ca = Pki::Get().Path("ca.pem");
  env.tls_cert = Pki::Get().Path("client.pem");
  env.tls_key = Pki::Get().Path("client.key");
  EXPECT_EQ(Run({"list"}, env), kExitOk) << err_.str();
}

TEST_F(SandboxctlTlsTest, MissingOrForeignClientCertificateIsRefused) {
  EXPECT_EQ(Run({"list", "--tls", "--ca", Pki::Get().Path("ca.pem")}),
            kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("UNAVAILABLE"));
  EXPECT_EQ(Run({"list", "--tls", "--ca", Pki::Get().Path("ca.pem"), "--cert",
                 Pki::Get().Path("stranger.pem"), "--key",
                 Pki::Get().Path("stranger.key")}),
            kExitFailure);
  EXPECT_EQ(Run({"list"}), kExitFailure);  // plaintext
}

TEST_F(SandboxctlTlsTest, UnreadableCertificateFileIsALocalError) {
  EXPECT_NE(Run({"list", "--tls", "--cert", "/nonexistent/c.pem", "--key",
                 Pki::Get().Path("client.key")}),
            kExitOk);
  EXPECT_THAT(err_.str(), HasSubstr("--cert \"/nonexistent/c.pem\""));
}

}  // namespace
}  // namespace sandboxd::client
