// Every RPC and error path through a real gRPC server with the fake provider.
#include "server/sandbox_service.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/server_test_env.h"

namespace sandboxd::testing {
namespace {

using ::sandbox::v1::BuildEvent;
using ::testing::HasSubstr;
using Call = FakeProvider::Call;

std::unique_ptr<grpc::ClientContext> Context(int seconds = 30) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(seconds));
  return context;
}

std::string CreateVia(ServerTestEnv& env,
                      sandbox::v1::CreateSandboxRequest request) {
  sandbox::v1::CreateSandboxResponse response;
  grpc::Status status = env.stub().Create(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.success());
  EXPECT_EQ(response.sandbox_id(), response.sandbox().sandbox_id());
  return response.sandbox_id();
}

std::vector<BuildEvent> ReadAll(ServerTestEnv& env, const std::string& id,
                                int64_t after, grpc::Status* status) {
  sandbox::v1::WatchBuildRequest request;
  request.set_sandbox_id(id);
  request.set_after_sequence(after);
  auto context = Context();
  auto reader = env.stub().WatchBuild(context.get(), request);
  std::vector<BuildEvent> events;
  BuildEvent event;
  while (reader->Read(&event)) events.push_back(event);
  *status = reader->Finish();
  return events;
}

TEST(SandboxServiceTest, CreateGetListDeleteOverGrpc) {
  ServerTestEnv env;
  std::string id = CreateVia(env, FrontendRequest());
  env.core().AwaitSettled(id);

  sandbox::v1::GetSandboxRequest get;
  get.set_sandbox_id(id);
  sandbox::v1::GetSandboxResponse got;
  ASSERT_TRUE(env.stub().Get(Context().get(), get, &got).ok());
  EXPECT_TRUE(got.success());
  EXPECT_EQ(got.sandbox().status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_THAT(got.sandbox().preview_url(), HasSubstr(id));

  sandbox::v1::ListSandboxesResponse listed;
  ASSERT_TRUE(env.stub().List(Context().get(), {}, &listed).ok());
  EXPECT_TRUE(listed.success());
  EXPECT_EQ(listed.count(), 1);
  ASSERT_EQ(listed.sandboxes_size(), 1);

  sandbox::v1::DeleteSandboxRequest del;
  del.set_sandbox_id(id);
  sandbox::v1::DeleteSandboxResponse deleted;
  ASSERT_TRUE(env.stub().Delete(Context().get(), del, &deleted).ok());
  EXPECT_TRUE(deleted.success());
  EXPECT_EQ(deleted.message(), "deleted");
  ASSERT_TRUE(env.stub().Delete(Context().get(), del, &deleted).ok());
  EXPECT_EQ(deleted.message(), "already deleted");
}

TEST(SandboxServiceTest, ErrorsCarryTheRightCodeAndNameTheField) {
  ServerTestEnv env;
  sandbox::v1::CreateSandboxResponse created;
  grpc::Status empty = env.stub().Create(Context().get(), {}, &created);
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(empty.error_message(), HasSubstr("generated_code"));

  sandbox::v1::GetSandboxRequest get;
  get.set_sandbox_id("sbx-ffffffffffffffffffff");
  sandbox::v1::GetSandboxResponse got;
  EXPECT_EQ(env.stub().Get(Context().get(), get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);

  sandbox::v1::ListSandboxesRequest list;
  list.set_page_token("%%%");
  sandbox::v1::ListSandboxesResponse listed;
  grpc::Status bad_token = env.stub().List(Context().get(), list, &listed);
  EXPECT_EQ(bad_token.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_token.error_message(), HasSubstr("page_token"));

  grpc::Status watch_status;
  ReadAll(env, "sbx-ffffffffffffffffffff", 0, &watch_status);
  EXPECT_EQ(watch_status.error_code(), grpc::StatusCode::NOT_FOUND);

  // Oversized: one byte past the upload limit plus framing.
  sandbox::v1::CreateSandboxRequest huge = FrontendRequest();
  (*huge.mutable_generated_code())["app/big.txt"] =
      std::string(105 * 1024 * 1024, 'x');
  grpc::Status too_big = env.stub().Create(Context().get(), huge, &created);
  EXPECT_EQ(too_big.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST(SandboxServiceTest, CreateWithoutProviderIsFailedPrecondition) {
  ServerTestEnv env({}, /*with_provider=*/false);
  sandbox::v1::CreateSandboxResponse created;
  grpc::Status status =
      env.stub().Create(Context().get(), FrontendRequest(), &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("no sandbox provider"));
}

TEST(SandboxServiceTest, QuotaRefusalCarriesARetryAfterTrailer) {
  ManagerOptions options;
  options.quotas.max_creates_per_minute = 2;  // one per 30 s
  ServerTestEnv env(options);
  CreateVia(env, FrontendRequest());
  CreateVia(env, FrontendRequest());
  sandbox::v1::CreateSandboxResponse created;
  auto context = Context();
  grpc::Status refused =
      env.stub().Create(context.get(), FrontendRequest(), &created);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("quota max_creates_per_minute exceeded: owner "
                        "\"anonymous\" may create 2 sandboxes per minute; "
                        "retry after 30s"));
  auto trailers = context->GetServerTrailingMetadata();
  auto retry_after = trailers.find("retry-after");
  ASSERT_NE(retry_after, trailers.end());
  EXPECT_EQ(std::string(retry_after->second.data(), retry_after->second.size()),
            "30");
}

TEST(SandboxServiceTest, WaitUntilReadyReturnsTheReadySandbox) {
  ServerTestEnv env;
  auto request = FrontendRequest();
  request.set_wait_until_ready(true);
  sandbox::v1::CreateSandboxResponse created;
  ASSERT_TRUE(env.stub().Create(Context().get(), request, &created).ok());
  EXPECT_TRUE(created.success());
  EXPECT_EQ(created.sandbox().status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_FALSE(created.preview_url().empty());
}

sandbox::v1::ApplyFilesRequest ApplyBatch(const std::string& id,
                                          const std::string& marker) {
  sandbox::v1::ApplyFilesRequest request;
  request.set_sandbox_id(id);
  (*request.mutable_files())["page.tsx"] =
      "export default function Page() { return <h1>" + marker + "</h1>; }\n";
  return request;
}

TEST(SandboxServiceTest, ApplyFilesWaitsUntilTheNewGenerationServes) {
  ServerTestEnv env;
  std::string id = CreateVia(env, FrontendRequest());
  env.core().AwaitSettled(id);

  sandbox::v1::ApplyFilesRequest request = ApplyBatch(id, "second");
  request.set_wait_until_applied(true);
  sandbox::v1::ApplyFilesResponse applied;
  grpc::Status status =
      env.stub().ApplyFiles(Context().get(), request, &applied);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(applied.success());
  EXPECT_EQ(applied.generation(), 2);
  EXPECT_EQ(applied.sandbox().generation(), 2);
  EXPECT_EQ(applied.sandbox().status(), sandbox::v1::SANDBOX_STATUS_READY);
  EXPECT_THAT(applied.sandbox().preview_url(), HasSubstr(id));

  // Without waiting: accepted, still building.
  sandbox::v1::ApplyFilesResponse accepted;
  status = env.stub().ApplyFiles(Context().get(), ApplyBatch(id, "third"),
                                 &accepted);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(accepted.success());
  EXPECT_EQ(accepted.generation(), 3);
  EXPECT_EQ(accepted.sandbox().status(), sandbox::v1::SANDBOX_STATUS_BUILDING);
  EXPECT_EQ(env.core().AwaitSettled(id).status(),
            sandbox::v1::SANDBOX_STATUS_READY);
}

TEST(SandboxServiceTest, ApplyFilesErrorsCarryTheRightCode) {
  ServerTestEnv env;
  // A sandbox of another owner than the anonymous caller.
  auto bobs = env.core().manager().Create(CoreTestEnv::kBob, FrontendRequest());
  ASSERT_TRUE(bobs.ok()) << bobs.status();
  env.core().AwaitSettled(bobs->sandbox_id());
  sandbox::v1::ApplyFilesResponse response;
  grpc::Status status = env.stub().ApplyFiles(
      Context().get(), ApplyBatch(bobs->sandbox_id(), "x"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  std::string id = CreateVia(env, FrontendRequest());
  env.core().AwaitSettled(id);
  sandbox::v1::ApplyFilesRequest empty;
  empty.set_sandbox_id(id);
  status = env.stub().ApplyFiles(Context().get(), empty, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("files"));
}

TEST(SandboxServiceTest, WatchReplaysFromTheMiddleThenFollowsLive) {
  ServerTestEnv env;
  env.core().provider().SetDefault(
      Call::kInstall, {.output = {{OutputStream::kStdout, "added 1 package"},
                                  {OutputStream::kStderr, "npm WARN x"}}});
  env.core().provider().Hold(Call::kStartApp);
  std::string id = CreateVia(env, FrontendRequest());
  env.core().provider().AwaitHeld(Call::kStartApp, 1);

  // Live: a watcher from the start, while the build is held.
  std::vector<BuildEvent> live;
  grpc::Status live_status;
  std::thread watcher([&] { live = ReadAll(env, id, 0, &live_status); });
  env.core().provider().Release(Call::kStartApp);
  watcher.join();
  ASSERT_TRUE(live_status.ok()) << live_status.error_message();
  ASSERT_GE(live.size(), 8u);
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(live[i].sequence(), static_cast<int64_t>(i + 1));
  }
  ASSERT_TRUE(live.back().has_finished());
  EXPECT_EQ(live.back().finished().status(), sandbox::v1::SANDBOX_STATUS_READY);
  bool saw_stderr = false;
  for (const auto& e : live) {
    saw_stderr |= e.has_log() &&
                  e.log().stream() == sandbox::v1::LOG_STREAM_STDERR &&
                  e.log().text() == "npm WARN x";
  }
  EXPECT_TRUE(saw_stderr);

  // Replay from the middle of a finished build: exactly the rest.
  grpc::Status replay_status;
  std::vector<BuildEvent> rest = ReadAll(env, id, 4, &replay_status);
  ASSERT_TRUE(replay_status.ok());
  ASSERT_EQ(rest.size(), live.size() - 4);
  EXPECT_EQ(rest.front().sequence(), 5);
  EXPECT_EQ(rest.back().SerializeAsString(), live.back().SerializeAsString());
}

// Reads a whole stream with the callback API; many run on one channel.
class CountingWatcher : public grpc::ClientReadReactor<BuildEvent> {
 public:
  CountingWatcher(sandbox::v1::SandboxService::Stub* stub,
                  const std::string& id, bool stall_after_first)
      : stall_(stall_after_first) {
    request_.set_sandbox_id(id);
    stub->async()->WatchBuild(&context_, &request_, this);
    StartRead(&event_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    ++events_;
    last_ = event_.sequence();
    if (stall_) return;  // never reads again: a stuck client
    StartRead(&event_);
  }
  void OnDone(const grpc::Status& s) override {
    status_ = s;
    done_.Notify();
  }
  void Cancel() { context_.TryCancel(); }
  bool Await() {
    return done_.WaitForNotificationWithTimeout(absl::Seconds(60));
  }
  int events() const { return events_; }
  int64_t last() const { return last_; }
  const grpc::Status& status() const { return status_; }

 private:
  const bool stall_;
  grpc::ClientContext context_;
  sandbox::v1::WatchBuildRequest request_;
  BuildEvent event_;
  std::atomic<int> events_{0};
  std::atomic<int64_t> last_{0};
  grpc::Status status_;
  absl::Notification done_;
};

TEST(SandboxServiceTest, AThousandWatchersAndAStuckOneDoNotHoldTheBuild) {
  ServerTestEnv env;
  FakeProvider::Step noisy;
  for (int i = 0; i < 500; ++i) {
    noisy.output.emplace_back(
        OutputStream::kStdout,
        "line " + std::to_string(i) + std::string(200, '.'));
  }
  env.core().provider().SetDefault(Call::kInstall, noisy);
  env.core().provider().Hold(Call::kProvision);
  std::string id = CreateVia(env, FrontendRequest());
  env.core().provider().AwaitHeld(Call::kProvision, 1);

  CountingWatcher stuck(&env.stub(), id, /*stall_after_first=*/true);
  std::vector<std::unique_ptr<CountingWatcher>> watchers;
  for (int i = 0; i < 1000; ++i) {
    watchers.push_back(
        std::make_unique<CountingWatcher>(&env.stub(), id, false));
  }
  env.core().provider().Release(Call::kProvision);
  // The build settles although one client reads nothing.
  auto done = env.core().AwaitSettled(id);
  EXPECT_EQ(done.status(), sandbox::v1::SANDBOX_STATUS_READY);
  for (auto& w : watchers) {
    ASSERT_TRUE(w->Await());
    EXPECT_TRUE(w->status().ok()) << w->status().error_message();
    EXPECT_EQ(w->last(), done.last_event_sequence());
  }
  stuck.Cancel();
  ASSERT_TRUE(stuck.Await());
}

TEST(SandboxServiceTest, DrainEndsOpenStreamsWithUnavailable) {
  ServerTestEnv env;
  env.core().provider().Hold(Call::kInstall);
  std::string id = CreateVia(env, FrontendRequest());
  env.core().provider().AwaitHeld(Call::kInstall, 1);
  CountingWatcher watcher(&env.stub(), id, false);

  std::thread drain([&] { env.server().Drain(absl::Seconds(5)); });
  ASSERT_TRUE(watcher.Await());
  drain.join();
  EXPECT_EQ(watcher.status().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(watcher.status().error_message(), HasSubstr("after_sequence="));
  // The interrupted build is recorded, not lost.
  auto record = env.core().store().GetSandbox(id);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->status(), sandbox::v1::SANDBOX_STATUS_BUILDING);
  auto events = env.core().store().ReadEvents(id, 0, 1000);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(events->back().log().text(), HasSubstr("interrupted"));
}

TEST(SandboxServiceTest, MetricsCountRpcsByMethodAndCode) {
  ServerTestEnv env;
  sandbox::v1::GetSandboxRequest get;
  get.set_sandbox_id("sbx-ffffffffffffffffffff");
  sandbox::v1::GetSandboxResponse got;
  (void)env.stub().Get(Context().get(), get, &got);
  std::string text = env.metrics().RenderText();
  EXPECT_THAT(text, HasSubstr("sandboxd_rpcs_total{method=\"/sandbox.v1."
                              "SandboxService/Get\",code=\"NOT_FOUND\"} 1"));
}

}  // namespace
}  // namespace sandboxd::testing
