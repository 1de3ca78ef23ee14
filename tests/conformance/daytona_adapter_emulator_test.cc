// lib/daytona's real stack (CurlHttpTransport + DaytonaProvider) against a
// daytona_emulator child process: the full provider flow with a real app
// behind the preview URL, and injected faults (429, empty 502, a dropped
// connection, a sandbox stuck in `starting`). Integration: real processes,
// sockets and time.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/common/call_context.h"
#include "lib/common/clock.h"
#include "lib/daytona/curl_http_transport.h"
#include "lib/daytona/daytona_client.h"
#include "lib/daytona/daytona_json.h"
#include "lib/daytona/daytona_provider.h"
#include "lib/daytona/retry.h"
#include "lib/provider/provider.h"
#include "lib/scaffold/scaffold.h"

namespace sandboxd::daytona {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kServerJs[] = R"js(
const args = process.argv;
const port = +args[args.indexOf('-p') + 1];
const host = args[args.indexOf('-H') + 1];
console.log('listening on', host, port);
console.error('a line on stderr');
require('http').createServer((q, r) => r.end('adapter-marker')).listen(port, host);
)js";

class AdapterEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/daytona-adapter-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    chmod(dir_.c_str(), 0711);  // the sandbox uid must reach its directory
    const std::string port_file = dir_ + "/port";
    // $DAYTONA_EMULATOR overrides the built one (e.g. a sanitizer build).
    const char* emulator = std::getenv("DAYTONA_EMULATOR");
    if (emulator == nullptr) emulator = DAYTONA_EMULATOR_PATH;
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      const std::string a1 = "--port_file=" + port_file;
      const std::string a2 = "--data_dir=" + dir_ + "/emulator";
      const std::string log = dir_ + "/emulator.log";
      if (freopen(log.c_str(), "w", stdout) == nullptr) _exit(126);
      dup2(1, 2);
      execl(emulator, emulator, a1.c_str(), a2.c_str(), "--transition_ms=100",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::ifstream in(port_file);
      if (!(in >> port_)) absl::SleepFor(absl::Milliseconds(25));
    }
    ASSERT_NE(port_, 0) << "emulator did not start";
    transport_ = std::make_shared<CurlHttpTransport>();

    DaytonaOptions options;
    options.api_url = Base() + "/api";
    options.api_key = "dtn_test_key";
    options.poll_initial = absl::Milliseconds(50);
    options.poll_max = absl::Milliseconds(200);
    options.log_poll_initial = absl::Milliseconds(50);
    options.log_poll_max = absl::Milliseconds(200);
    options.start_state_timeout = absl::Seconds(3);
    options.retry.initial_backoff = absl::Milliseconds(50);
    options.retry.max_backoff = absl::Milliseconds(500);
    options_ = options;
    auto provider = MakeDaytonaProvider(options);
    ASSERT_TRUE(provider.ok()) << provider.status();
    provider_ = std::move(*provider);
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string Base() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  static CallContext Ctx(absl::Duration timeout = absl::Seconds(60)) {
    return CallContext(absl::Now() + timeout);
  }
  // POST/GET/DELETE on the emulator's control endpoint.
  HttpResponse Control(HttpMethod method, const std::string& body = "") {
    HttpRequest request;
    request.method = method;
    request.url = Base() + "/_emulator/faults";
    request.body = body;
    auto response = transport_->Send(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : HttpResponse();
  }
  ProvisionSpec Spec(const std::string& id) {
    ProvisionSpec spec;
    spec.sandbox_id = id;
    spec.owner = "alice";
    spec.project_name = "demo";
    return spec;
  }

  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  DaytonaOptions options_;
  std::shared_ptr<CurlHttpTransport> transport_;
  std::unique_ptr<Provider> provider_;
};

TEST_F(AdapterEmulatorTest, FullFlowServesThePreview) {
  ASSERT_TRUE(provider_->Provision(Spec("sbx-flow"), Ctx()).ok());
  ASSERT_TRUE(
      provider_->Upload("sbx-flow", {{"server.js", kServerJs}}, Ctx()).ok());

  std::vector<std::string> lines;
  auto sink = [&](OutputStream stream, std::string_view line) {
    lines.push_back((stream == OutputStream::kStderr ? "E:" : "O:") +
                    std::string(line));
  };
  absl::StatusOr<int> exit = provider_->RunCommand(
      "sbx-flow", "echo hi; echo oops >&2; test -f server.js", {}, sink, Ctx());
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(*exit, 0);
  EXPECT_THAT(lines, ::testing::Contains("O:hi"));
  EXPECT_THAT(lines, ::testing::Contains("E:oops"));

  exit = provider_->RunCommand("sbx-flow", "exit 7", {}, sink, Ctx());
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(*exit, 7);

  scaffold::BuildPlan plan;
  plan.start_command = "exec node server.js -H 127.0.0.1 -p 3000";
  plan.port = 3000;
  absl::Status started = provider_->StartApp("sbx-flow", plan, sink, Ctx());
  ASSERT_TRUE(started.ok()) << started;

  absl::StatusOr<PreviewEndpoint> preview =
      provider_->ResolvePreview("sbx-flow", Ctx());
  ASSERT_TRUE(preview.ok()) << preview.status();
  HttpRequest get;
  get.url = preview->url;
  auto page = transport_->Send(get);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, "adapter-marker");

  auto listed = provider_->List(Ctx());
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_THAT(*listed, SizeIs(1));
  EXPECT_EQ((*listed)[0].sandbox_id, "sbx-flow");

  ASSERT_TRUE(provider_->Destroy("sbx-flow", Ctx()).ok());
  listed = provider_->List(Ctx());
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(*listed, IsEmpty());
  EXPECT_FALSE(transport_->Send(get).ok() &&
               transport_->Send(get)->status == 200)
      << "the app must be gone after Destroy";
}

TEST_F(AdapterEmulatorTest, RateLimitedCreateIsRetriedWithoutDuplicate) {
  Control(HttpMethod::kPost,
          R"({"kind":"status","status":429,"retryAfter":1,"count":1,)"
          R"("path":"/api/sandbox","method":"POST"})");
  const absl::Time start = absl::Now();
  absl::Status s = provider_->Provision(Spec("sbx-429"), Ctx());
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_GE(absl::Now() - start, absl::Seconds(1))
      << "Retry-After not honoured";
  EXPECT_EQ(Control(HttpMethod::kGet).body, "[]") << "the 429 was not served";
  auto listed = provider_->List(Ctx());
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(*listed, SizeIs(1));
}

TEST_F(AdapterEmulatorTest, Empty502AndDroppedConnectionAreRetried) {
  ASSERT_TRUE(provider_->Provision(Spec("sbx-5xx"), Ctx()).ok());
  Control(
      HttpMethod::kPost,
      R"([{"kind":"empty_502","count":1,"path":"/api/sandbox","method":"GET"},)"
      R"({"kind":"drop","count":1,"path":"/api/sandbox","method":"GET"}])");
  auto listed = provider_->List(Ctx());
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(*listed, SizeIs(1));
  EXPECT_EQ(Control(HttpMethod::kGet).body, "[]") << "faults were not served";
}

TEST_F(AdapterEmulatorTest, SandboxStuckInStartingFailsAndIsDestroyed) {
  Control(HttpMethod::kPost, R"({"kind":"stuck_starting"})");
  absl::Status s = provider_->Provision(Spec("sbx-stuck"), Ctx());
  EXPECT_FALSE(s.ok());
  ASSERT_TRUE(provider_->Destroy("sbx-stuck", Ctx()).ok());
  auto listed = provider_->List(Ctx());
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(*listed, IsEmpty());
}

TEST_F(AdapterEmulatorTest, SandboxInErrorReportsTheReason) {
  Control(HttpMethod::kPost,
          R"({"kind":"error","errorReason":"no runner available"})");
  absl::Status s = provider_->Provision(Spec("sbx-error"), Ctx());
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("no runner available"));
  EXPECT_TRUE(provider_->Destroy("sbx-error", Ctx()).ok());
}

TEST_F(AdapterEmulatorTest, SequentialCallsShareOneKeepAliveConnection) {
  ASSERT_TRUE(provider_->Provision(Spec("sbx-keepalive"), Ctx()).ok());
  auto transport = std::make_shared<CurlHttpTransport>();
  DaytonaProvider provider(options_, transport, MakeRealSleeper(),
                           MakeSystemClock());
  for (int i = 0; i < 100; ++i) {
    auto listed = provider.List(Ctx());
    ASSERT_TRUE(listed.ok()) << listed.status();
    ASSERT_THAT(*listed, SizeIs(1));
  }
  EXPECT_EQ(transport->connections_opened(), 1);
}

// The emulator's own contract, over plain HTTP (the bits the SDK and the
// adapter tests do not reach).
class EmulatorHttpTest : public AdapterEmulatorTest {
 protected:
  HttpResponse Call(HttpMethod method, const std::string& path,
                    const std::string& body = "",
                    std::vector<MultipartPart> parts = {}) {
    HttpRequest request;
    request.method = method;
    request.url = Base() + path;
    request.headers.Add("Authorization", "Bearer x");
    request.body = body;
    request.parts = std::move(parts);
    auto response = transport_->Send(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : HttpResponse();
  }
  // A started sandbox's id.
  std::string Started() {
    HttpResponse created = Call(HttpMethod::kPost, "/api/sandbox", "{}");
    EXPECT_EQ(created.status, 200) << created.body;
    auto dto = ParseSandbox(created.body);
    EXPECT_TRUE(dto.ok()) << dto.status();
    if (!dto.ok()) return "";
    for (int i = 0; i < 100; ++i) {
      auto got =
          ParseSandbox(Call(HttpMethod::kGet, "/api/sandbox/" + dto->id).body);
      if (got.ok() && got->state == "started") return dto->id;
      absl::SleepFor(absl::Milliseconds(20));
    }
    ADD_FAILURE() << "sandbox did not start";
    return dto->id;
  }
};

TEST_F(EmulatorHttpTest, DeleteWhileCreatingIsAConflict) {
  HttpResponse created = Call(HttpMethod::kPost, "/api/sandbox", "{}");
  auto dto = ParseSandbox(created.body);
  ASSERT_TRUE(dto.ok()) << dto.status();
  EXPECT_EQ(dto->state, "creating");
  HttpResponse deleted = Call(HttpMethod::kDelete, "/api/sandbox/" + dto->id);
  EXPECT_EQ(deleted.status, 409);
  EXPECT_THAT(deleted.body, HasSubstr("Sandbox state change in progress"));
}

TEST_F(EmulatorHttpTest, UploadsStayInsideTheSandbox) {
  const std::string id = Started();
  const std::string marker = dir_ + "/outside";
  HttpResponse linked =
      Call(HttpMethod::kPost, "/toolbox/" + id + "/process/execute",
           R"({"command":"ln -s /tmp /home/daytona/escape && echo ok"})");
  ASSERT_EQ(linked.status, 200);
  ASSERT_THAT(linked.body, HasSubstr("ok"));
  HttpResponse up =
      Call(HttpMethod::kPost, "/toolbox/" + id + "/files/bulk-upload", "",
           {{"files[0].path", "escape/written-through-symlink"},
            {"files[0].file", "x", "f", "application/octet-stream"},
            {"files[1].path", "/etc/passwd-emulator-test"},
            {"files[1].file", "x", "f", "application/octet-stream"},
            {"files[2].path", "app/ok.txt"},
            {"files[2].file", "fine", "ok.txt", "text/plain"}});
  EXPECT_EQ(up.status, 400) << up.body;
  EXPECT_FALSE(std::filesystem::exists("/tmp/written-through-symlink"));
  EXPECT_FALSE(std::filesystem::exists("/etc/passwd-emulator-test"));
  HttpResponse cat =
      Call(HttpMethod::kPost, "/toolbox/" + id + "/process/execute",
           R"({"command":"cat app/ok.txt"})");
  EXPECT_THAT(cat.body, HasSubstr("\"result\":\"fine\""));
}

TEST_F(EmulatorHttpTest, ExecuteTimeoutIs408AndDelayFaultDelays) {
  const std::string id = Started();
  HttpResponse slow =
      Call(HttpMethod::kPost, "/toolbox/" + id + "/process/execute",
           R"({"command":"sleep 30","timeout":1})");
  EXPECT_EQ(slow.status, 408);
  EXPECT_THAT(slow.body, HasSubstr("REQUEST_TIMEOUT"));
  Control(HttpMethod::kPost,
          R"({"kind":"delay","delayMs":700,"path":"/api/sandbox/"})");
  const absl::Time start = absl::Now();
  EXPECT_EQ(Call(HttpMethod::kGet, "/api/sandbox/" + id).status, 200);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(700));
}

TEST_F(EmulatorHttpTest, ListPagesWithCursorAndFiltersByLabels) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        Call(HttpMethod::kPost, "/api/sandbox", R"({"labels":{"team":"a"}})")
            .status,
        200);
  }
  EXPECT_EQ(
      Call(HttpMethod::kPost, "/api/sandbox", R"({"labels":{"team":"b"}})")
          .status,
      200);
  const std::string filter = "labels=" + UrlEncode(R"({"team":"a"})");
  auto page1 = ParseSandboxPage(
      Call(HttpMethod::kGet, "/api/sandbox?limit=2&" + filter).body);
  ASSERT_TRUE(page1.ok()) << page1.status();
  EXPECT_THAT(page1->items, SizeIs(2));
  ASSERT_TRUE(page1->next_cursor.has_value());
  auto page2 = ParseSandboxPage(
      Call(HttpMethod::kGet,
           "/api/sandbox?limit=2&cursor=" + *page1->next_cursor + "&" + filter)
          .body);
  ASSERT_TRUE(page2.ok()) << page2.status();
  EXPECT_THAT(page2->items, SizeIs(1));
  EXPECT_FALSE(page2->next_cursor.has_value());
  EXPECT_EQ(Call(HttpMethod::kGet, "/api/sandbox?limit=500").status, 400);
  HttpRequest anonymous;
  anonymous.url = Base() + "/api/sandbox";
  auto denied = transport_->Send(anonymous);
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->status, 401);
}

}  // namespace
}  // namespace sandboxd::daytona
