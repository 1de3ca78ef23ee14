// The gRPC server's hardening (SandboxServerOptions and the channel
// arguments of SandboxServer::Start): the caps on long calls
// (max_rpc_deadline, max_watch_duration), concurrent streams per connection
// and keepalive ping enforcement, against an in-process sandboxd whose build
// is held in the fake provider. Caps of a few hundred milliseconds keep the
// tests short; the clients' own deadlines are far longer.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "lib/metrics/metrics_registry.h"
#include "sandbox/v1/sandbox.grpc.pb.h"
#include "server/sandboxd_server.h"
#include "tests/lib/core/core_test_env.h"

namespace sandboxd {
namespace {

using ::testing::HasSubstr;
using Call = testing::FakeProvider::Call;

constexpr absl::Duration kCap = absl::Milliseconds(300);
constexpr int kMaxStreams = 2;

class HardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SandboxServerOptions options;
    options.grpc_addr = "127.0.0.1:0";
    options.http_addr = "127.0.0.1:0";
    options.log_rpcs = false;
    options.max_rpc_deadline = kCap;
    options.max_watch_duration = kCap;
    auto server = SandboxServer::Start(options, &core_.manager(), &metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = NewStub(grpc::ChannelArguments());
    core_.provider().Hold(Call::kStartApp);
  }
  void TearDown() override {
    core_.provider().Release(Call::kStartApp);
    server_->Drain(absl::Seconds(5));
  }

  std::unique_ptr<sandbox::v1::SandboxService::Stub> NewStub(
      const grpc::ChannelArguments& args) {
    return sandbox::v1::SandboxService::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(server_->grpc_port()),
        grpc::InsecureChannelCredentials(), args));
  }

  // A sandbox whose build is held at its last step (the app start).
  std::string CreateHeld() {
    sandbox::v1::CreateSandboxResponse created;
    grpc::Status status = stub_->Create(LongContext().get(),
                                        testing::FrontendRequest(), &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    core_.provider().AwaitHeld(Call::kStartApp, 1);
    return created.sandbox_id();
  }

  static std::unique_ptr<grpc::ClientContext> LongContext() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(60));
    return context;
  }

  testing::CoreTestEnv core_;
  MetricsRegistry metrics_;
  std::unique_ptr<SandboxServer> server_;
  std::unique_ptr<sandbox::v1::SandboxService::Stub> stub_;
};

TEST_F(HardeningTest, CreateWaitEndsAtTheCapDespiteALongerClientDeadline) {
  sandbox::v1::CreateSandboxRequest request = testing::FrontendRequest();
  request.set_wait_until_ready(true);
  sandbox::v1::CreateSandboxResponse response;
  const absl::Time start = absl::Now();
  grpc::Status status = stub_->Create(LongContext().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(status.error_message(), HasSubstr("WatchBuild"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
}

TEST_F(HardeningTest, WatchEndsAtTheCapWithTheSequenceToResumeFrom) {
  sandbox::v1::WatchBuildRequest request;
  request.set_sandbox_id(CreateHeld());
  auto context = LongContext();
  auto reader = stub_->WatchBuild(context.get(), request);
  sandbox::v1::BuildEvent event;
  int64_t last = 0;
  while (reader->Read(&event)) last = event.sequence();
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(),
              HasSubstr("after_sequence=" + std::to_string(last)));
  EXPECT_GT(last, 0);
}

// A fresh server without the watch cap, which would end the streams these
// tests keep open.
class ConnectionLimitsTest : public HardeningTest {
 protected:
  void SetUp() override {
    SandboxServerOptions options;
    options.grpc_addr = "127.0.0.1:0";
    options.http_addr = "127.0.0.1:0";
    options.log_rpcs = false;
    options.max_concurrent_streams = kMaxStreams;
    auto server = SandboxServer::Start(options, &core_.manager(), &metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = NewStub(grpc::ChannelArguments());
    core_.provider().Hold(Call::kStartApp);
  }
};

TEST_F(ConnectionLimitsTest, ConnectionCarriesAtMostMaxConcurrentStreams) {
  sandbox::v1::WatchBuildRequest request;
  request.set_sandbox_id(CreateHeld());
  // kMaxStreams open watches fill the connection of `stub_`'s channel.
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<sandbox::v1::BuildEvent>>>
      readers;
  sandbox::v1::BuildEvent event;
  for (int i = 0; i < kMaxStreams; ++i) {
    contexts.push_back(LongContext());
    readers.push_back(stub_->WatchBuild(contexts.back().get(), request));
    ASSERT_TRUE(readers.back()->Read(&event));  // the stream is open
  }
  // A further call on the same connection waits for a free stream...
  auto short_context = std::make_unique<grpc::ClientContext>();
  short_context->set_deadline(std::chrono::system_clock::now() +
                              std::chrono::milliseconds(500));
  sandbox::v1::ListSandboxesRequest list;
  sandbox::v1::ListSandboxesResponse listed;
  EXPECT_EQ(stub_->List(short_context.get(), list, &listed).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  // ...while another connection is served at once.
  grpc::ChannelArguments separate;
  separate.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  EXPECT_TRUE(NewStub(separate)->List(LongContext().get(), list, &listed).ok());
  // Ending one watch frees a stream on the first connection.
  contexts.front()->TryCancel();
  EXPECT_EQ(readers.front()->Finish().error_code(),
            grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(stub_->List(LongContext().get(), list, &listed).ok());
  for (size_t i = 1; i < contexts.size(); ++i) {
    contexts[i]->TryCancel();
    readers[i]->Finish();
  }
}

TEST_F(ConnectionLimitsTest, ClientPingingTooOftenIsDisconnected) {
  sandbox::v1::WatchBuildRequest request;
  request.set_sandbox_id(CreateHeld());
  // Pings every 200 ms while no data flows: each is a strike (the server
  // allows one per 10 s), and the third ends the connection with GOAWAY.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 200);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto pinger = NewStub(args);
  auto context = LongContext();
  auto reader = pinger->WatchBuild(context.get(), request);
  sandbox::v1::BuildEvent event;
  while (reader->Read(&event)) {
  }
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

}  // namespace
}  // namespace sandboxd
