// sandboxctl end to end over a real gRPC channel: RunSandboxctl with the
// production stub factory against an in-process server running
// FakeSandboxService on 127.0.0.1:0.
#include <filesystem>
#include <fstream>
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

namespace sandboxd::client {
namespace {

namespace fs = std::filesystem;
using ::sandbox::v1::BuildEvent;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class SandboxctlIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    address_ = "127.0.0.1:" + std::to_string(port);
  }

  void TearDown() override { server_->Shutdown(); }

  // Runs sandboxctl against the server; captures stdout and stderr.
  int Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", address_});
    out_.str("");
    err_.str("");
    return RunSandboxctl(args, Environment{}, MakeSandboxStub, clock_, in_,
                         out_, err_);
  }

  static sandbox::v1::Sandbox MakeSandbox(const std::string& id) {
    sandbox::v1::Sandbox s;
    s.set_sandbox_id(id);
    s.set_status(sandbox::v1::SANDBOX_STATUS_READY);
    s.set_phase(sandbox::v1::BUILD_PHASE_READY);
    s.set_project_name("p-" + id);
    s.set_preview_url("http://" + id + ".preview.localhost:8080/");
    return s;
  }

  testing::FakeSandboxService service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  // Never advanced: watch lines read "[  0.0s]" whatever the scheduling.
  testing::FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::istringstream in_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(SandboxctlIntegrationTest, CreateFromDirectory) {
  fs::path dir = fs::path(::testing::TempDir()) / "sandboxctl_it_project";
  fs::remove_all(dir);
  fs::create_directories(dir / "app");
  fs::create_directories(dir / "node_modules/react");
  std::ofstream(dir / "app/page.tsx") << "export default function P() {}";
  std::ofstream(dir / "node_modules/react/index.js") << "skipped";

  sandbox::v1::CreateSandboxResponse response;
  response.set_success(true);
  response.set_sandbox_id("sbx-0123");
  response.set_preview_url("http://sbx-0123.preview.localhost:8080/");
  response.mutable_sandbox()->set_status(sandbox::v1::SANDBOX_STATUS_PENDING);
  service_.SetCreateResponse(response);

  EXPECT_EQ(Run({"create", "--dir", dir.string(), "--label", "team=web",
                 "--idle-timeout", "30m"}),
            kExitOk)
      << err_.str();
  fs::remove_all(dir);
  EXPECT_EQ(out_.str(),
            "sandbox_id:  sbx-0123\nstatus:      PENDING\n"
            "preview_url: http://sbx-0123.preview.localhost:8080/\n");
  auto requests = service_.create_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_THAT(
      requests[0].generated_code(),
      ElementsAre(Pair("app/page.tsx", "export default function P() {}")));
  EXPECT_THAT(requests[0].labels(), ElementsAre(Pair("team", "web")));
  EXPECT_EQ(requests[0].idle_timeout().seconds(), 1800);
}

TEST_F(SandboxctlIntegrationTest, CreateJsonOutput) {
  sandbox::v1::CreateSandboxResponse response;
  response.set_success(true);
  response.set_sandbox_id("sbx-77");
  service_.SetCreateResponse(response);
  in_.str(
      R"({"generated_code":{"index.html":"<h1>x</h1>"},"projectName":"n"})");
  EXPECT_EQ(Run({"create", "--json", "-", "-o", "json"}), kExitOk)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\"sandboxId\": \"sbx-77\""));
  ASSERT_EQ(service_.create_requests().size(), 1u);
  EXPECT_EQ(service_.create_requests()[0].project_name(), "n");
}

TEST_F(SandboxctlIntegrationTest, GetAndDelete) {
  service_.AddSandbox(MakeSandbox("sbx-1"));
  EXPECT_EQ(Run({"get", "sbx-1"}), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("sandbox_id:     sbx-1\n"));
  EXPECT_THAT(out_.str(), HasSubstr("status:         READY\n"));
  EXPECT_THAT(
      out_.str(),
      HasSubstr("preview_url:    http://sbx-1.preview.localhost:8080/\n"));
  EXPECT_EQ(Run({"delete", "sbx-1"}), kExitOk) << err_.str();
  EXPECT_EQ(out_.str(), "sbx-1: deleted\n");
}

TEST_F(SandboxctlIntegrationTest, NotFoundExits1WithTheCode) {
  EXPECT_EQ(Run({"get", "sbx-missing"}), kExitFailure);
  EXPECT_EQ(err_.str(),
            "error: NOT_FOUND: sandbox \"sbx-missing\" not found\n");
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(Run({"delete", "sbx-missing"}), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("error: NOT_FOUND: "));
}

TEST_F(SandboxctlIntegrationTest, ListAllFollowsEveryPage) {
  std::vector<sandbox::v1::ListSandboxesResponse> pages(3);
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i < 2; ++i) {
      *pages[p].add_sandboxes() = MakeSandbox(absl::StrCat("sbx-", p, i));
    }
    pages[p].set_count(6);
    if (p < 2) pages[p].set_next_page_token(absl::StrCat("page", p + 1));
  }
  service_.SetListPages(pages);

  EXPECT_EQ(Run({"list", "--all", "--page-size", "2", "--label", "a=b"}),
            kExitOk)
      << err_.str();
  std::string out = out_.str();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 7) << out;
  for (const char* id :
       {"sbx-00", "sbx-01", "sbx-10", "sbx-11", "sbx-20", "sbx-21"}) {
    EXPECT_THAT(out, HasSubstr(std::string("\n") + id + "  ")) << id;
  }
  auto requests = service_.list_requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].page_token(), "page1");
  EXPECT_EQ(requests[2].page_token(), "page2");
  EXPECT_EQ(requests[2].page_size(), 2);
  EXPECT_THAT(requests[2].label_selector(), ElementsAre("a=b"));

  EXPECT_EQ(Run({"list", "--page-token", "bogus"}), kExitFailure);
  EXPECT_EQ(err_.str(), "error: INVALID_ARGUMENT: page_token: malformed\n");
}

std::vector<BuildEvent> BuildScript(sandbox::v1::SandboxStatus end) {
  std::vector<BuildEvent> events(5);
  events[0].mutable_phase_change()->set_to(
      sandbox::v1::BUILD_PHASE_PROVISIONING);
  events[1].mutable_phase_change()->set_to(sandbox::v1::BUILD_PHASE_INSTALLING);
  events[2].mutable_log()->set_stream(sandbox::v1::LOG_STREAM_STDERR);
  events[2].mutable_log()->set_text("npm WARN deprecated x");
  events[3].mutable_diagnostic()->set_file("app/page.tsx");
  events[3].mutable_diagnostic()->set_line(2);
  events[3].mutable_diagnostic()->set_column(9);
  events[3].mutable_diagnostic()->set_severity(sandbox::v1::SEVERITY_ERROR);
  events[3].mutable_diagnostic()->set_message("Type error");
  events[4].mutable_finished()->set_status(end);
  if (end == sandbox::v1::SANDBOX_STATUS_READY) {
    events[4].mutable_finished()->set_preview_url("http://w/");
  } else {
    events[4].mutable_finished()->mutable_error()->set_code("BUILD_FAILED");
    events[4].mutable_finished()->mutable_error()->set_message("tsc failed");
  }
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].set_sequence(static_cast<int64_t>(i + 1));
    events[i].set_sandbox_id("sbx-w");
  }
  return events;
}

TEST_F(SandboxctlIntegrationTest, WatchHumanReadyExits0) {
  service_.SetWatchScript(BuildScript(sandbox::v1::SANDBOX_STATUS_READY),
                          grpc::Status::OK);
  EXPECT_EQ(Run({"watch", "sbx-w"}), kExitOk) << err_.str();
  EXPECT_EQ(out_.str(),
            "[  0.0s] PROVISIONING\n"
            "[  0.0s] INSTALLING\n"
            "  [stderr] npm WARN deprecated x\n"
            "  app/page.tsx:2:9: error: Type error\n"
            "[  0.0s] READY http://w/\n");
  // watch sets no deadline by default.
  auto calls = service_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, "WatchBuild");
  EXPECT_FALSE(calls[0].has_deadline);
}

TEST_F(SandboxctlIntegrationTest, WatchFailedExits1AndJsonIsOneLinePerEvent) {
  service_.SetWatchScript(BuildScript(sandbox::v1::SANDBOX_STATUS_FAILED),
                          grpc::Status::OK);
  EXPECT_EQ(Run({"watch", "sbx-w"}), kExitFailure);
  EXPECT_THAT(out_.str(),
              HasSubstr("[  0.0s] FAILED BUILD_FAILED: tsc failed\n"));

  EXPECT_EQ(Run({"watch", "sbx-w", "--json", "--after", "3"}), kExitFailure);
  EXPECT_EQ(out_.str(),
            "{\"sequence\":\"4\",\"sandboxId\":\"sbx-w\",\"diagnostic\":"
            "{\"file\":\"app/page.tsx\",\"line\":2,\"column\":9,"
            "\"severity\":\"SEVERITY_ERROR\",\"message\":\"Type error\"}}\n"
            "{\"sequence\":\"5\",\"sandboxId\":\"sbx-w\",\"finished\":"
            "{\"status\":\"SANDBOX_STATUS_FAILED\",\"error\":"
            "{\"code\":\"BUILD_FAILED\",\"message\":\"tsc failed\"}}}\n");
}

TEST_F(SandboxctlIntegrationTest, WatchStreamErrorExits1) {
  service_.SetWatchScript({}, grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                           "sandboxd is shutting down"));
  EXPECT_EQ(Run({"watch", "sbx-w"}), kExitFailure);
  EXPECT_EQ(err_.str(), "error: UNAVAILABLE: sandboxd is shutting down\n");
}

TEST_F(SandboxctlIntegrationTest, TokenIsSentAsBearerMetadata) {
  service_.AddSandbox(MakeSandbox("sbx-1"));
  EXPECT_EQ(Run({"get", "sbx-1", "--token", "tok-123"}), kExitOk);
  EXPECT_EQ(Run({"get", "sbx-1"}), kExitOk);
  auto calls = service_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].authorization, "Bearer tok-123");
  EXPECT_TRUE(calls[0].has_deadline);
  EXPECT_EQ(calls[1].authorization, "");
}

TEST_F(SandboxctlIntegrationTest, UnreachableServerIsUnavailable) {
  server_->Shutdown();
  EXPECT_EQ(Run({"get", "sbx-1", "--timeout", "5s"}), kExitFailure);
  EXPECT_THAT(err_.str(), ::testing::StartsWith("error: UNAVAILABLE: "));
}

}  // namespace
}  // namespace sandboxd::client
