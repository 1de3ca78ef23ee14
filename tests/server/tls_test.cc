// TLS and mutual TLS of both listeners (server/tls_config.h,
// SandboxServer), with a throwaway PKI made at test time
// (tests/testing/test_pki.h); gRPC calls go through grpc's SSL credentials,
// HTTPS calls through libcurl.
#include <memory>
#include <optional>
#include <string>

#include "curl/curl.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/metrics/metrics_registry.h"
#include "sandbox/v1/sandbox.grpc.pb.h"
#include "server/sandboxd_server.h"
#include "server/tls_config.h"
#include "tests/lib/core/core_test_env.h"
#include "tests/testing/test_pki.h"

namespace sandboxd {
namespace {

using ::testing::HasSubstr;

const testing::TestPki& Certs() { return testing::TestPki::Get(); }

TlsFiles ServerFiles(bool grpc_mtls, bool http_mtls) {
  TlsFiles files;
  files.cert_file = Certs().Path("server.pem");
  files.key_file = Certs().Path("server.key");
  if (grpc_mtls) files.client_ca_file = Certs().Path("ca.pem");
  if (http_mtls) files.http_client_ca_file = Certs().Path("ca.pem");
  return files;
}

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Certs().ok()) << "openssl CLI failed"; }
  void TearDown() override {
    if (server_ != nullptr) server_->Drain(absl::Seconds(5));
  }

  void Start(bool grpc_mtls, bool http_mtls) {
    absl::StatusOr<std::optional<TlsConfig>> tls =
        LoadTlsConfig(ServerFiles(grpc_mtls, http_mtls));
    ASSERT_TRUE(tls.ok()) << tls.status();
    ASSERT_TRUE(tls->has_value());
    SandboxServerOptions options;
    options.grpc_addr = "127.0.0.1:0";
    options.http_addr = "127.0.0.1:0";
    options.log_rpcs = false;
    options.tls = **tls;
    auto server = SandboxServer::Start(options, &core_.manager(), &metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // A List call over a channel with `credentials`.
  grpc::Status CallList(std::shared_ptr<grpc::ChannelCredentials> credentials) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    auto channel = grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(server_->grpc_port()), credentials, args);
    auto stub = sandbox::v1::SandboxService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    sandbox::v1::ListSandboxesRequest request;
    sandbox::v1::ListSandboxesResponse response;
    return stub->List(&context, request, &response);
  }

  static std::shared_ptr<grpc::ChannelCredentials> TlsCredentials(
      const std::string& client) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = Certs().Read("ca.pem");
    if (!client.empty()) {
      options.pem_private_key = Certs().Read(client + ".key");
      options.pem_cert_chain = Certs().Read(client + ".pem");
    }
    return grpc::SslCredentials(options);
  }

  // GET `path` from the HTTP front; the HTTP status, or 0 if the exchange
  // (TLS handshake included) failed.
  long HttpGet(const std::string& scheme, const std::string& path,
               const std::string& client = "") {
    CURL* curl = curl_easy_init();
    const std::string url =
        scheme + "://localhost:" + std::to_string(server_->http_port()) + path;
    const std::string resolve =
        "localhost:" + std::to_string(server_->http_port()) + ":127.0.0.1";
    curl_slist* hosts = curl_slist_append(nullptr, resolve.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_RESOLVE, hosts);
    curl_easy_setopt(curl, CURLOPT_CAINFO, Certs().Path("ca.pem").c_str());
    const std::string cert = Certs().Path(client + ".pem");
    const std::string key = Certs().Path(client + ".key");
    if (!client.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSLCERT, cert.c_str());
      curl_easy_setopt(curl, CURLOPT_SSLKEY, key.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION,
        +[](char*, size_t size, size_t n, void*) { return size * n; });
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_slist_free_all(hosts);
    curl_easy_cleanup(curl);
    return status;
  }

  testing::CoreTestEnv core_;
  MetricsRegistry metrics_;
  std::unique_ptr<SandboxServer> server_;
};

TEST_F(TlsServerTest, GrpcCallOverTlsSucceeds) {
  Start(/*grpc_mtls=*/false, /*http_mtls=*/false);
  grpc::Status status = CallList(TlsCredentials(""));
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(TlsServerTest, PlaintextGrpcClientIsRefused) {
  Start(false, false);
  EXPECT_EQ(CallList(grpc::InsecureChannelCredentials()).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsServerTest, ClientThatDoesNotTrustTheServerCaIsRefused) {
  Start(false, false);
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = Certs().Read("other_ca.pem");
  EXPECT_EQ(CallList(grpc::SslCredentials(options)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsServerTest, MutualTlsAcceptsOnlyClientsOfTheClientCa) {
  Start(/*grpc_mtls=*/true, /*http_mtls=*/false);
  EXPECT_EQ(CallList(TlsCredentials("")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(CallList(TlsCredentials("stranger")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  grpc::Status status = CallList(TlsCredentials("client"));
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(TlsServerTest, HttpsServesRestAndOpsEndpoints) {
  Start(/*grpc_mtls=*/true, /*http_mtls=*/false);
  // gRPC mutual TLS does not extend to the HTTP front (browsers).
  EXPECT_EQ(HttpGet("https", "/healthz"), 200);
  EXPECT_EQ(HttpGet("https", "/api/sandbox"), 200);
  EXPECT_EQ(HttpGet("http", "/healthz"), 0);
}

TEST_F(TlsServerTest, HttpMutualTlsAcceptsOnlyClientsOfTheClientCa) {
  Start(/*grpc_mtls=*/false, /*http_mtls=*/true);
  EXPECT_EQ(HttpGet("https", "/healthz"), 0);
  EXPECT_EQ(HttpGet("https", "/healthz", "stranger"), 0);
  EXPECT_EQ(HttpGet("https", "/healthz", "client"), 200);
  // Keep-alive and a second request on a TLS connection.
  EXPECT_EQ(HttpGet("https", "/api/sandbox", "client"), 200);
}

TEST(TlsConfigTest, NoFlagsMeansPlaintext) {
  absl::StatusOr<std::optional<TlsConfig>> tls = LoadTlsConfig(TlsFiles{});
  ASSERT_TRUE(tls.ok());
  EXPECT_FALSE(tls->has_value());
}

TEST(TlsConfigTest, ErrorsNameTheFlag) {
  ASSERT_TRUE(Certs().ok());
  TlsFiles files = ServerFiles(false, false);
  files.key_file.clear();
  EXPECT_THAT(LoadTlsConfig(files).status().message(),
              HasSubstr("--tls_key_file"));

  files = ServerFiles(false, false);
  files.cert_file = Certs().Path("missing.pem");
  absl::Status missing = LoadTlsConfig(files).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.message(), HasSubstr("--tls_cert_file"));

  files = ServerFiles(false, false);
  files.key_file = Certs().Path("client.key");  // not the server's key
  absl::Status mismatch = LoadTlsConfig(files).status();
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mismatch.message(), HasSubstr("does not match"));

  files = ServerFiles(false, false);
  files.client_ca_file = Certs().Path("server.ext");  // not PEM
  EXPECT_THAT(LoadTlsConfig(files).status().message(),
              HasSubstr("--tls_client_ca_file"));

  TlsFiles ca_only;
  ca_only.client_ca_file = Certs().Path("ca.pem");
  EXPECT_EQ(LoadTlsConfig(ca_only).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sandboxd
