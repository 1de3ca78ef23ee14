#include "client/command_runner.h"

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "client/command_line.h"
#include "gmock/gmock.h"
#include "grpcpp/test/client_context_test_peer.h"
#include "grpcpp/test/mock_stream.h"
#include "gtest/gtest.h"
#include "tests/client/fake_clock.h"
#include "tests/client/mock_sandbox_stub.h"

namespace sandboxd::client {
namespace {

using ::sandbox::v1::BuildEvent;
using ::testing::_;
using ::testing::ElementsAre;
using testing::FakeClock;
using ::testing::HasSubstr;
using ::testing::Invoke;
using testing::MockSandboxStub;
using ::testing::Return;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

// A sandbox event script: each event is delivered after the fake clock has
// advanced by its delay.
struct Scripted {
  absl::Duration delay;
  BuildEvent event;
};

BuildEvent PhaseTo(sandbox::v1::BuildPhase to) {
  BuildEvent e;
  e.mutable_phase_change()->set_to(to);
  e.set_phase(to);
  return e;
}

BuildEvent Log(sandbox::v1::LogStream stream, const std::string& text) {
  BuildEvent e;
  e.mutable_log()->set_stream(stream);
  e.mutable_log()->set_text(text);
  return e;
}

BuildEvent Finished(sandbox::v1::SandboxStatus status, const std::string& url) {
  BuildEvent e;
  e.mutable_finished()->set_status(status);
  e.mutable_finished()->set_preview_url(url);
  return e;
}

class CommandRunnerTest : public ::testing::Test {
 protected:
  int Run(const std::vector<std::string>& args) {
    absl::StatusOr<Invocation> inv = ParseCommandLine(args, Environment{});
    EXPECT_TRUE(inv.ok()) << inv.status();
    if (!inv.ok()) return -1;
    CommandRunner runner(stub_, clock_, in_, out_, err_);
    return runner.Run(*inv);
  }

  // Makes WatchBuildRaw return a reader that plays `script`, then ends with
  // `end`; records the request in `watch_request_`.
  void ExpectWatch(std::vector<Scripted> script, grpc::Status end) {
    auto* reader = new grpc::testing::MockClientReader<BuildEvent>();
    auto& read = EXPECT_CALL(*reader, Read(_));
    for (const Scripted& s : script) {
      read.WillOnce(Invoke([this, s](BuildEvent* out) {
        clock_.Advance(s.delay);
        *out = s.event;
        return true;
      }));
    }
    read.WillOnce(Return(false));
    EXPECT_CALL(*reader, Finish()).WillOnce(Return(end));
    EXPECT_CALL(stub_, WatchBuildRaw(_, _))
        .WillOnce(
            Invoke([this, reader](grpc::ClientContext* ctx,
                                  const sandbox::v1::WatchBuildRequest& r) {
              watch_request_ = r;
              watch_deadline_ = ctx->deadline();
              return reader;
            }));
  }

  MockSandboxStub stub_;
  FakeClock clock_{kStart};
  std::istringstream in_;
  std::ostringstream out_;
  std::ostringstream err_;
  sandbox::v1::WatchBuildRequest watch_request_;
  std::chrono::system_clock::time_point watch_deadline_;
};

TEST_F(CommandRunnerTest, GetPrintsTheSandbox) {
  sandbox::v1::GetSandboxRequest seen;
  EXPECT_CALL(stub_, Get(_, _, _))
      .WillOnce(Invoke([&](grpc::ClientContext*,
                           const sandbox::v1::GetSandboxRequest& r,
                           sandbox::v1::GetSandboxResponse* resp) {
        seen = r;
        resp->mutable_sandbox()->set_sandbox_id(r.sandbox_id());
        resp->mutable_sandbox()->set_status(sandbox::v1::SANDBOX_STATUS_READY);
        resp->mutable_sandbox()->set_preview_url("http://p/");
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"get", "sbx-1"}), kExitOk);
  EXPECT_EQ(seen.sandbox_id(), "sbx-1");
  EXPECT_THAT(out_.str(), HasSubstr("status:         READY\n"));
  EXPECT_THAT(out_.str(), HasSubstr("preview_url:    http://p/\n"));
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CommandRunnerTest, ApplySendsTheBatchAndPrintsTheGeneration) {
  sandbox::v1::ApplyFilesRequest seen;
  EXPECT_CALL(stub_, ApplyFiles(_, _, _))
      .WillOnce(Invoke([&](grpc::ClientContext*,
                           const sandbox::v1::ApplyFilesRequest& r,
                           sandbox::v1::ApplyFilesResponse* resp) {
        seen = r;
        resp->set_success(true);
        resp->set_generation(3);
        resp->mutable_sandbox()->set_sandbox_id(r.sandbox_id());
        resp->mutable_sandbox()->set_status(sandbox::v1::SANDBOX_STATUS_READY);
        resp->mutable_sandbox()->set_preview_url("http://p/");
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"apply", "sbx-1", "--delete", "components/Old.tsx", "--wait"}),
            kExitOk);
  EXPECT_EQ(seen.sandbox_id(), "sbx-1");
  EXPECT_THAT(seen.deleted_paths(), ElementsAre("components/Old.tsx"));
  EXPECT_TRUE(seen.files().empty());
  EXPECT_TRUE(seen.wait_until_applied());
  EXPECT_THAT(out_.str(), HasSubstr("generation:  3\n"));
  EXPECT_THAT(out_.str(), HasSubstr("status:      READY\n"));
  EXPECT_THAT(out_.str(), HasSubstr("preview_url: http://p/\n"));
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CommandRunnerTest, ApplyThatFailedExits1AndShowsTheError) {
  EXPECT_CALL(stub_, ApplyFiles(_, _, _))
      .WillOnce(Invoke([](grpc::ClientContext*, const auto&,
                          sandbox::v1::ApplyFilesResponse* resp) {
        resp->set_success(false);
        resp->set_generation(2);
        auto* s = resp->mutable_sandbox();
        s->set_sandbox_id("sbx-1");
        s->set_status(sandbox::v1::SANDBOX_STATUS_FAILED);
        s->mutable_error()->set_code("START_FAILED");
        s->mutable_error()->set_message("app exited");
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"apply", "sbx-1", "--delete", "a.tsx", "--wait"}),
            kExitFailure);
  EXPECT_THAT(out_.str(), HasSubstr("status:      FAILED\n"));
  EXPECT_THAT(out_.str(), HasSubstr("START_FAILED"));
}

TEST_F(CommandRunnerTest, ApplyWithAnUnreadableFileMakesNoCall) {
  EXPECT_CALL(stub_, ApplyFiles(_, _, _)).Times(0);
  EXPECT_EQ(Run({"apply", "sbx-1", "--file",
                 "page.tsx=/nonexistent/sandboxctl/page.tsx"}),
            kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("/nonexistent/sandboxctl/page.tsx"));
}

TEST_F(CommandRunnerTest, ApplyRpcErrorPrintsTheCode) {
  EXPECT_CALL(stub_, ApplyFiles(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::ABORTED, "busy")));
  EXPECT_EQ(Run({"apply", "sbx-1", "--delete", "a.tsx"}), kExitFailure);
  EXPECT_EQ(err_.str(), "error: ABORTED: busy\n");
}

TEST_F(CommandRunnerTest, RpcErrorPrintsCodeNameAndExits1) {
  EXPECT_CALL(stub_, Get(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                    "sandbox \"x\" not found")));
  EXPECT_EQ(Run({"get", "x"}), kExitFailure);
  EXPECT_EQ(err_.str(), "error: NOT_FOUND: sandbox \"x\" not found\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandRunnerTest, GetJsonPrintsTheResponse) {
  EXPECT_CALL(stub_, Get(_, _, _))
      .WillOnce(Invoke([](grpc::ClientContext*, const auto&,
                          sandbox::v1::GetSandboxResponse* resp) {
        resp->set_success(true);
        resp->mutable_sandbox()->set_sandbox_id("sbx-1");
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"get", "sbx-1", "--json"}), kExitOk);
  EXPECT_THAT(out_.str(), HasSubstr("\"sandboxId\": \"sbx-1\""));
  EXPECT_THAT(out_.str(), HasSubstr("\"success\": true"));
}

TEST_F(CommandRunnerTest, TokenBecomesBearerMetadataAndTimeoutADeadline) {
  std::multimap<std::string, std::string> metadata;
  std::chrono::system_clock::time_point deadline;
  EXPECT_CALL(stub_, Delete(_, _, _))
      .WillOnce(Invoke([&](grpc::ClientContext* ctx, const auto&,
                           sandbox::v1::DeleteSandboxResponse* resp) {
        metadata =
            grpc::testing::ClientContextTestPeer(ctx).GetSendInitialMetadata();
        deadline = ctx->deadline();
        resp->set_message("deleted");
        return grpc::Status::OK;
      }));
  const auto before = std::chrono::system_clock::now();
  EXPECT_EQ(Run({"delete", "sbx-1", "--token", "s3cret", "--timeout", "90s"}),
            kExitOk);
  EXPECT_EQ(out_.str(), "sbx-1: deleted\n");
  EXPECT_THAT(metadata, ElementsAre(std::pair<const std::string, std::string>(
                            "authorization", "Bearer s3cret")));
  EXPECT_GE(deadline, before + std::chrono::seconds(90));
  EXPECT_LT(deadline, before + std::chrono::seconds(120));
}

TEST_F(CommandRunnerTest, NoTokenSendsNoMetadata) {
  std::multimap<std::string, std::string> metadata = {{"x", "y"}};
  EXPECT_CALL(stub_, Delete(_, _, _))
      .WillOnce(Invoke([&](grpc::ClientContext* ctx, const auto&, auto*) {
        metadata =
            grpc::testing::ClientContextTestPeer(ctx).GetSendInitialMetadata();
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"delete", "sbx-1"}), kExitOk);
  EXPECT_TRUE(metadata.empty());
}

TEST_F(CommandRunnerTest, ListAllFollowsPageTokens) {
  std::vector<sandbox::v1::ListSandboxesRequest> requests;
  EXPECT_CALL(stub_, List(_, _, _))
      .Times(3)
      .WillRepeatedly(Invoke([&](grpc::ClientContext*,
                                 const sandbox::v1::ListSandboxesRequest& r,
                                 sandbox::v1::ListSandboxesResponse* resp) {
        requests.push_back(r);
        int page = static_cast<int>(requests.size());
        resp->add_sandboxes()->set_sandbox_id(absl::StrCat("sbx-", page));
        resp->set_count(3);
        if (page < 3) resp->set_next_page_token(absl::StrCat("t", page));
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"list", "--all", "--page-size", "1", "--status", "ready",
                 "--label", "team=web"}),
            kExitOk);
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].page_token(), "");
  EXPECT_EQ(requests[1].page_token(), "t1");
  EXPECT_EQ(requests[2].page_token(), "t2");
  for (const auto& r : requests) {
    EXPECT_EQ(r.page_size(), 1);
    EXPECT_THAT(r.statuses(), ElementsAre(sandbox::v1::SANDBOX_STATUS_READY));
    EXPECT_THAT(r.label_selector(), ElementsAre("team=web"));
  }
  EXPECT_THAT(out_.str(), HasSubstr("\nsbx-1 "));
  EXPECT_THAT(out_.str(), HasSubstr("\nsbx-2 "));
  EXPECT_THAT(out_.str(), HasSubstr("\nsbx-3 "));
  EXPECT_THAT(out_.str(), ::testing::Not(HasSubstr("next page")));
}

TEST_F(CommandRunnerTest, ListOnePageTellsTheNextToken) {
  EXPECT_CALL(stub_, List(_, _, _))
      .WillOnce(Invoke([](grpc::ClientContext*, const auto&,
                          sandbox::v1::ListSandboxesResponse* resp) {
        resp->add_sandboxes()->set_sandbox_id("sbx-1");
        resp->set_count(9);
        resp->set_next_page_token("tok2");
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"list"}), kExitOk);
  EXPECT_THAT(out_.str(),
              HasSubstr("(1 of 9; next page: --page-token tok2)\n"));
}

TEST_F(CommandRunnerTest, ListAllStopsOnARepeatedToken) {
  EXPECT_CALL(stub_, List(_, _, _))
      .Times(2)
      .WillRepeatedly(Invoke([](grpc::ClientContext*, const auto&,
                                sandbox::v1::ListSandboxesResponse* resp) {
        resp->set_next_page_token("same");
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"list", "--all"}), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("page token \"same\" twice"));
}

TEST_F(CommandRunnerTest, CreateSendsTheBuiltRequest) {
  in_.str(R"({"generatedCode":{"page.tsx":"x"},"projectName":"from-json"})");
  sandbox::v1::CreateSandboxRequest seen;
  EXPECT_CALL(stub_, Create(_, _, _))
      .WillOnce(Invoke([&](grpc::ClientContext*,
                           const sandbox::v1::CreateSandboxRequest& r,
                           sandbox::v1::CreateSandboxResponse* resp) {
        seen = r;
        resp->set_success(true);
        resp->set_sandbox_id("sbx-new");
        resp->set_preview_url("http://sbx-new/");
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"create", "--json", "-", "--project-name", "flag", "--mode",
                 "dev", "--request-id", "r-1"}),
            kExitOk);
  EXPECT_EQ(seen.generated_code().at("page.tsx"), "x");
  EXPECT_EQ(seen.project_name(), "flag");
  EXPECT_EQ(seen.mode(), sandbox::v1::MODE_DEV);
  EXPECT_EQ(seen.request_id(), "r-1");
  EXPECT_THAT(out_.str(), HasSubstr("sandbox_id:  sbx-new\n"));
  EXPECT_THAT(out_.str(), HasSubstr("preview_url: http://sbx-new/\n"));
}

TEST_F(CommandRunnerTest, CreateWithBadLocalInputExits2WithoutCalling) {
  EXPECT_CALL(stub_, Create(_, _, _)).Times(0);
  EXPECT_EQ(Run({"create", "--file", "page.tsx=/nonexistent/p.tsx"}),
            kExitUsage);
  EXPECT_THAT(err_.str(),
              HasSubstr("error: \"/nonexistent/p.tsx\": no such file"));
}

TEST_F(CommandRunnerTest, CreateWaitThatEndsFailedExits1) {
  in_.str(R"({"generatedCode":{"page.tsx":"x"}})");
  EXPECT_CALL(stub_, Create(_, _, _))
      .WillOnce(Invoke([](grpc::ClientContext*,
                          const sandbox::v1::CreateSandboxRequest& r,
                          sandbox::v1::CreateSandboxResponse* resp) {
        EXPECT_TRUE(r.wait_until_ready());
        resp->set_success(false);
        resp->set_sandbox_id("sbx-f");
        resp->mutable_sandbox()->set_status(sandbox::v1::SANDBOX_STATUS_FAILED);
        resp->mutable_sandbox()->mutable_error()->set_code("BUILD_FAILED");
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"create", "--json", "-", "--wait"}), kExitFailure);
  EXPECT_THAT(out_.str(), HasSubstr("error:       BUILD_FAILED\n"));
}

TEST_F(CommandRunnerTest, WatchShowsPhasesWithElapsedTimeAndLogs) {
  BuildEvent diag;
  diag.mutable_diagnostic()->set_file("app/page.tsx");
  diag.mutable_diagnostic()->set_line(4);
  diag.mutable_diagnostic()->set_column(2);
  diag.mutable_diagnostic()->set_severity(sandbox::v1::SEVERITY_WARNING);
  diag.mutable_diagnostic()->set_message("unused");
  ExpectWatch(
      {{absl::Milliseconds(100),
        PhaseTo(sandbox::v1::BUILD_PHASE_PROVISIONING)},
       {absl::Milliseconds(2200), PhaseTo(sandbox::v1::BUILD_PHASE_INSTALLING)},
       {absl::Seconds(1),
        Log(sandbox::v1::LOG_STREAM_STDOUT, "added 3 packages")},
       {absl::ZeroDuration(),
        Log(sandbox::v1::LOG_STREAM_STDERR, "npm WARN x")},
       {absl::ZeroDuration(), diag},
       {absl::Seconds(4),
        Finished(sandbox::v1::SANDBOX_STATUS_READY, "http://p/")}},
      grpc::Status::OK);
  EXPECT_EQ(Run({"watch", "sbx-1", "--after", "4"}), kExitOk);
  EXPECT_EQ(watch_request_.sandbox_id(), "sbx-1");
  EXPECT_EQ(watch_request_.after_sequence(), 4);
  // watch has no deadline unless --timeout is given.
  EXPECT_EQ(watch_deadline_, std::chrono::system_clock::time_point::max());
  EXPECT_EQ(out_.str(),
            "[  0.1s] PROVISIONING\n"
            "[  2.3s] INSTALLING\n"
            "  added 3 packages\n"
            "  [stderr] npm WARN x\n"
            "  app/page.tsx:4:2: warning: unused\n"
            "[  7.3s] READY http://p/\n");
}

TEST_F(CommandRunnerTest, WatchOfAFailedBuildExits1) {
  BuildEvent failed = Finished(sandbox::v1::SANDBOX_STATUS_FAILED, "");
  failed.mutable_finished()->mutable_error()->set_code("BUILD_FAILED");
  failed.mutable_finished()->mutable_error()->set_message("Type error");
  ExpectWatch({{absl::Seconds(1), failed}}, grpc::Status::OK);
  EXPECT_EQ(Run({"watch", "sbx-1"}), kExitFailure);
  EXPECT_EQ(out_.str(), "[  1.0s] FAILED BUILD_FAILED: Type error\n");
}

TEST_F(CommandRunnerTest, WatchStreamErrorExits1WithTheCode) {
  ExpectWatch(
      {{absl::Seconds(1), PhaseTo(sandbox::v1::BUILD_PHASE_INSTALLING)}},
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "server draining"));
  EXPECT_EQ(Run({"watch", "sbx-1"}), kExitFailure);
  EXPECT_EQ(out_.str(), "[  1.0s] INSTALLING\n");
  EXPECT_EQ(err_.str(), "error: UNAVAILABLE: server draining\n");
}

TEST_F(CommandRunnerTest, WatchJsonPrintsOneObjectPerLine) {
  BuildEvent first = PhaseTo(sandbox::v1::BUILD_PHASE_QUEUED);
  first.set_sequence(1);
  BuildEvent last = Finished(sandbox::v1::SANDBOX_STATUS_READY, "http://p/");
  last.set_sequence(2);
  ExpectWatch({{absl::Seconds(1), first}, {absl::Seconds(1), last}},
              grpc::Status::OK);
  EXPECT_EQ(Run({"watch", "sbx-1", "--json"}), kExitOk);
  EXPECT_EQ(out_.str(),
            "{\"sequence\":\"1\",\"phase\":\"BUILD_PHASE_QUEUED\","
            "\"phaseChange\":{\"to\":\"BUILD_PHASE_QUEUED\"}}\n"
            "{\"sequence\":\"2\",\"finished\":{\"status\":"
            "\"SANDBOX_STATUS_READY\",\"previewUrl\":\"http://p/\"}}\n");
}

TEST_F(CommandRunnerTest, WatchWithoutAFinalEventAsksGet) {
  ExpectWatch({}, grpc::Status::OK);
  EXPECT_CALL(stub_, Get(_, _, _))
      .WillOnce(Invoke([](grpc::ClientContext*, const auto&,
                          sandbox::v1::GetSandboxResponse* resp) {
        resp->mutable_sandbox()->set_status(sandbox::v1::SANDBOX_STATUS_READY);
        resp->mutable_sandbox()->set_preview_url("http://p/");
        return grpc::Status::OK;
      }));
  EXPECT_EQ(Run({"watch", "sbx-1", "--after", "99"}), kExitOk);
  EXPECT_EQ(out_.str(), "[  0.0s] READY http://p/\n");
}

TEST(GrpcCodeNameTest, CanonicalNames) {
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::NOT_FOUND), "NOT_FOUND");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::DEADLINE_EXCEEDED),
            "DEADLINE_EXCEEDED");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
}

}  // namespace
}  // namespace sandboxd::client
