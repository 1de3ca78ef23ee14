// An in-process sandboxd (real gRPC and HTTP listeners on 127.0.0.1:0, real
// SQLite store, FakeProvider) and a client stub, for tests of server/.
#ifndef SANDBOXD_TESTS_SERVER_SERVER_TEST_ENV_H_
#define SANDBOXD_TESTS_SERVER_SERVER_TEST_ENV_H_

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "lib/metrics/metrics_registry.h"
#include "sandbox/v1/sandbox.grpc.pb.h"
#include "server/sandboxd_server.h"
#include "tests/lib/core/core_test_env.h"

namespace sandboxd::testing {

class ServerTestEnv {
 public:
  explicit ServerTestEnv(ManagerOptions options = {}, bool with_provider = true,
                         CallerResolver callers = AnonymousCallers())
      : core_(options, with_provider) {
    SandboxServerOptions server_options;
    server_options.callers = std::move(callers);
    server_options.grpc_addr = "127.0.0.1:0";
    server_options.http_addr = "127.0.0.1:0";
    server_options.log_rpcs = false;
    auto server =
        SandboxServer::Start(server_options, &core_.manager(), &metrics_);
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->grpc_port()),
                            grpc::InsecureChannelCredentials());
    stub_ = sandbox::v1::SandboxService::NewStub(channel_);
  }
  ~ServerTestEnv() { server_->Drain(absl::Seconds(5)); }

  sandbox::v1::SandboxService::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  SandboxServer& server() { return *server_; }
  CoreTestEnv& core() { return core_; }
  MetricsRegistry& metrics() { return metrics_; }

 private:
  CoreTestEnv core_;
  MetricsRegistry metrics_;
  std::unique_ptr<SandboxServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<sandbox::v1::SandboxService::Stub> stub_;
};

}  // namespace sandboxd::testing

#endif  // SANDBOXD_TESTS_SERVER_SERVER_TEST_ENV_H_
