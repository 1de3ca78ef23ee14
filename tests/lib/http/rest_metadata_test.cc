// Metadata through the REST front: Authorization and Grpc-Metadata-* request
// headers become gRPC metadata, response header metadata comes back as
// Grpc-Metadata-* headers, and UNAUTHENTICATED sets WWW-Authenticate. The
// backend is a generic gRPC service standing in for SandboxService/Get that
// echoes the metadata it received.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/http/http_server.h"
#include "lib/http/rest_transcoder.h"
#include "sandbox/v1/sandbox.pb.h"
#include "tests/lib/http/test_client.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;
using ::testing::HasSubstr;

// Echoes each received metadata entry as initial metadata "echo-<key>".
class EchoReactor : public grpc::ServerGenericBidiReactor {
 public:
  explicit EchoReactor(grpc::GenericCallbackServerContext* context)
      : context_(context) {
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INTERNAL, "no request"));
      return;
    }
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (in_.Dump(&slices).ok()) {
      for (const auto& slice : slices) {
        bytes.append(reinterpret_cast<const char*>(slice.begin()),
                     slice.size());
      }
    }
    sandbox::v1::GetSandboxRequest request;
    request.ParseFromString(bytes);
    for (const auto& [key, value] : context_->client_metadata()) {
      std::string name(key.data(), key.size());
      if (name.rfind("x-", 0) == 0 || name == "authorization") {
        context_->AddInitialMetadata("echo-" + name,
                                     std::string(value.data(), value.size()));
      }
    }
    if (request.sandbox_id() == "unauth") {
      Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "Bearer realm=\"sandboxd\""));
      return;
    }
    sandbox::v1::GetSandboxResponse response;
    response.mutable_sandbox()->set_sandbox_id(request.sandbox_id());
    grpc::Slice slice(response.SerializeAsString());
    out_ = grpc::ByteBuffer(&slice, 1);
    StartWriteAndFinish(&out_, grpc::WriteOptions(), grpc::Status::OK);
  }

  void OnDone() override { delete this; }

 private:
  grpc::GenericCallbackServerContext* context_;
  grpc::ByteBuffer in_;
  grpc::ByteBuffer out_;
};

class EchoService : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new EchoReactor(context);
  }
};

class RestMetadataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterCallbackGenericService(&service_);
    grpc_ = builder.BuildAndStart();
    ASSERT_NE(grpc_, nullptr);
    auto router = std::make_shared<Router>();
    ASSERT_TRUE(AddRestRoutes(*router,
                              grpc_->InProcessChannel(grpc::ChannelArguments()),
                              RestOptions())
                    .ok());
    HttpServerOptions options;
    options.address = "127.0.0.1:0";
    auto http = HttpServer::Start(options, router);
    ASSERT_TRUE(http.ok()) << http.status();
    http_ = *std::move(http);
  }
  void TearDown() override {
    // The front (and with it the in-process channel) goes before the server.
    if (http_ != nullptr) http_->Shutdown(absl::Seconds(1));
    http_.reset();
    if (grpc_ != nullptr) grpc_->Shutdown();
    grpc_.reset();
  }

  HttpResponse Get(HttpRequest request) {
    testing::TestClient client(http_->port());
    EXPECT_TRUE(client.Send(std::move(request)));
    return client.Read();
  }

  EchoService service_;
  std::unique_ptr<grpc::Server> grpc_;
  std::unique_ptr<HttpServer> http_;
};

TEST_F(RestMetadataTest, ForwardsRequestHeadersAndReturnsHeaderMetadata) {
  HttpRequest request(http::verb::get, "/api/sandbox/sbx-1", 11);
  request.set(http::field::authorization, "Bearer t0ken");
  request.set("Grpc-Metadata-X-Request-Id", "req-123");
  request.set("Grpc-Metadata-X-Trace-Bin", "aGVsbG8=");  // "hello"
  request.set("X-Not-Forwarded", "1");
  request.set(http::field::host, "api.example:8080");
  HttpResponse response = Get(std::move(request));
  ASSERT_EQ(response.result_int(), 200u) << response.body();
  EXPECT_THAT(response.body(), HasSubstr("\"sandboxId\":\"sbx-1\""));
  EXPECT_EQ(response["Grpc-Metadata-echo-authorization"], "Bearer t0ken");
  EXPECT_EQ(response["Grpc-Metadata-echo-x-request-id"], "req-123");
  EXPECT_EQ(response["Grpc-Metadata-echo-x-trace-bin"], "aGVsbG8=");
  EXPECT_EQ(response["Grpc-Metadata-echo-x-forwarded-host"],
            "api.example:8080");
  EXPECT_EQ(response.count("Grpc-Metadata-echo-x-not-forwarded"), 0u);
  // The front adds the client's address, as grpc-gateway does.
  EXPECT_EQ(response["Grpc-Metadata-echo-x-forwarded-for"], "127.0.0.1");
}

TEST_F(RestMetadataTest, UnauthenticatedSetsWwwAuthenticate) {
  HttpResponse response =
      Get(HttpRequest(http::verb::get, "/api/sandbox/unauth", 11));
  EXPECT_EQ(response.result_int(), 401u);
  EXPECT_EQ(response[http::field::www_authenticate],
            "Bearer realm=\"sandboxd\"");
  EXPECT_EQ(
      response.body(),
      R"({"code":16,"message":"Bearer realm=\"sandboxd\"","details":[]})");
}

TEST_F(RestMetadataTest, MalformedGrpcTimeoutIsInvalidArgument) {
  HttpRequest request(http::verb::get, "/api/sandbox/sbx-1", 11);
  request.set("Grpc-Timeout", "soon");
  HttpResponse response = Get(std::move(request));
  EXPECT_EQ(response.result_int(), 400u);
  EXPECT_THAT(response.body(), HasSubstr("\"code\":3"));
}

}  // namespace
}  // namespace sandboxd
