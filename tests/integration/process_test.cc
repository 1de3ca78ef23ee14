// Real-process tests of sandboxd (the fake-provider build): kill -9 in the
// middle of builds and restart; graceful drain on SIGTERM with an open
// WatchBuild stream.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "sandbox/v1/sandbox.grpc.pb.h"
#include "tests/lib/core/core_test_env.h"

namespace sandboxd::testing {
namespace {

using ::sandbox::v1::BuildEvent;
using ::sandbox::v1::Sandbox;

// The sandboxd_fake binary sits next to this test in the build tree.
std::string FakeBinary() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() /
          "sandboxd_fake")
      .string();
}

class Sandboxd {
 public:
  Sandboxd(const std::string& data_dir, const std::string& step_delay) {
    int out[2];
    EXPECT_EQ(pipe(out), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      std::string data = "--data_dir=" + data_dir;
      std::string delay = "--fake_step_delay=" + step_delay;
      execl(FakeBinary().c_str(), "sandboxd_fake", "--insecure_no_auth",
            "--grpc_addr=127.0.0.1:0", "--http_addr=127.0.0.1:0", data.c_str(),
            delay.c_str(), "--log_rpcs=false", "--drain_timeout=5s", nullptr);
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    char line[256] = {0};
    int grpc_port = 0, http_port = 0;
    while (fgets(line, sizeof(line), f) != nullptr) {
      if (sscanf(line, "LISTENING grpc=%d http=%d", &grpc_port, &http_port) ==
          2) {
        break;
      }
    }
    out_ = f;
    EXPECT_GT(grpc_port, 0) << "sandboxd_fake did not start";
    stub_ = sandbox::v1::SandboxService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port),
                            grpc::InsecureChannelCredentials()));
  }
  ~Sandboxd() {
    if (pid_ > 0) Kill(SIGKILL);
    if (out_ != nullptr) fclose(out_);
  }
  // Sends `sig` and reaps the process; returns its wait status.
  int Kill(int sig) {
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  sandbox::v1::SandboxService::Stub& stub() { return *stub_; }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::unique_ptr<sandbox::v1::SandboxService::Stub> stub_;
};

std::unique_ptr<grpc::ClientContext> Deadline(int seconds) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(seconds));
  return context;
}

std::string Create(Sandboxd& d) {
  sandbox::v1::CreateSandboxResponse response;
  grpc::Status s =
      d.stub().Create(Deadline(10).get(), FrontendRequest(), &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return response.sandbox_id();
}

Sandbox Get(Sandboxd& d, const std::string& id) {
  sandbox::v1::GetSandboxRequest request;
  request.set_sandbox_id(id);
  sandbox::v1::GetSandboxResponse response;
  grpc::Status s = d.stub().Get(Deadline(10).get(), request, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return response.sandbox();
}

// Follows the build to its end; returns every event and the final status.
std::vector<BuildEvent> Watch(Sandboxd& d, const std::string& id,
                              grpc::Status* status, int seconds = 60) {
  sandbox::v1::WatchBuildRequest request;
  request.set_sandbox_id(id);
  auto context = Deadline(seconds);
  auto reader = d.stub().WatchBuild(context.get(), request);
  std::vector<BuildEvent> events;
  BuildEvent event;
  while (reader->Read(&event)) events.push_back(event);
  *status = reader->Finish();
  return events;
}

TEST(ProcessTest, KillNineMidBuildLosesNothingAndNoBuildStaysStuck) {
  const std::string dir = MakeTempDir();
  std::map<std::string, int64_t> acknowledged;  // id -> events seen
  std::string finished_id;
  {
    Sandboxd first(dir, "300ms");
    finished_id = Create(first);
    grpc::Status status;
    auto events = Watch(first, finished_id, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(Get(first, finished_id).status(),
              sandbox::v1::SANDBOX_STATUS_READY);
    for (int i = 0; i < 3; ++i) acknowledged[Create(first)] = 0;
    // Let the builds get going, then note what was recorded.
    bool building = false;
    for (int i = 0; i < 100 && !building; ++i) {
      for (auto& [id, seen] : acknowledged) {
        Sandbox s = Get(first, id);
        seen = s.last_event_sequence();
        building |= s.status() == sandbox::v1::SANDBOX_STATUS_BUILDING &&
                    s.phase() >= sandbox::v1::BUILD_PHASE_PROVISIONING;
      }
      usleep(50 * 1000);
    }
    ASSERT_TRUE(building);
    int status_code = first.Kill(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(status_code));
  }
  Sandboxd second(dir, "50ms");
  EXPECT_EQ(Get(second, finished_id).status(),
            sandbox::v1::SANDBOX_STATUS_READY);
  for (const auto& [id, seen] : acknowledged) {
    grpc::Status status;
    std::vector<BuildEvent> events = Watch(second, id, &status);
    ASSERT_TRUE(status.ok()) << id << ": " << status.error_message();
    // Every event recorded before the crash is still there, numbered without
    // gaps, and the resumed build went on to the end.
    ASSERT_GE(static_cast<int64_t>(events.size()), seen);
    for (size_t i = 0; i < events.size(); ++i) {
      ASSERT_EQ(events[i].sequence(), static_cast<int64_t>(i + 1));
    }
    ASSERT_TRUE(events.back().has_finished());
    Sandbox s = Get(second, id);
    EXPECT_EQ(s.status(), sandbox::v1::SANDBOX_STATUS_READY) << s.DebugString();
    EXPECT_GE(s.build_attempts(), 1);
  }
  sandbox::v1::ListSandboxesResponse listed;
  ASSERT_TRUE(second.stub().List(Deadline(10).get(), {}, &listed).ok());
  EXPECT_EQ(listed.count(), 4);
  std::filesystem::remove_all(dir);
}

TEST(ProcessTest, SigtermDrainsAnOpenWatchStreamAndExitsCleanly) {
  const std::string dir = MakeTempDir();
  Sandboxd d(dir, "2s");
  std::string id = Create(d);
  grpc::Status stream_status;
  std::vector<BuildEvent> events;
  std::thread watcher([&] { events = Watch(d, id, &stream_status); });
  // Wait until the stream has delivered something, so it is surely open.
  for (int i = 0; i < 100 && Get(d, id).last_event_sequence() < 2; ++i) {
    usleep(50 * 1000);
  }
  usleep(200 * 1000);
  int status = d.Kill(SIGTERM);
  watcher.join();
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(stream_status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(stream_status.error_message(),
              ::testing::HasSubstr("after_sequence="));
  EXPECT_FALSE(events.empty());

  // The interrupted build resumes after the restart.
  Sandboxd again(dir, "50ms");
  grpc::Status resumed;
  auto all = Watch(again, id, &resumed);
  ASSERT_TRUE(resumed.ok()) << resumed.error_message();
  EXPECT_EQ(Get(again, id).status(), sandbox::v1::SANDBOX_STATUS_READY);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sandboxd::testing
