// sandboxd with the scripted FakeProvider instead of a real one: the same
// RunService, for real-process tests (kill -9, SIGTERM drain) that need
// builds that take a known time without npm or NextJS. Test-only binary.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "server/service_runner.h"
#include "tests/testing/fake_provider.h"

ABSL_FLAG(absl::Duration, fake_step_delay, absl::Milliseconds(200),
          "How long each provider call of a build takes");
ABSL_FLAG(int, fake_log_lines, 20, "Output lines each install prints");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  sandboxd::ServiceConfig config = sandboxd::ServiceConfigFromFlags();
  return sandboxd::RunService(
      config,
      [](const sandboxd::ServiceConfig& c,
         std::shared_ptr<const std::atomic<int>> /*http_port*/)
          -> absl::StatusOr<std::unique_ptr<sandboxd::Provider>> {
        using sandboxd::testing::FakeProvider;
        auto fake = std::make_unique<FakeProvider>();
        fake->PersistTo(c.data_dir + "/fake-provider.state");
        FakeProvider::Step slow{.delay = absl::GetFlag(FLAGS_fake_step_delay)};
        for (auto call :
             {FakeProvider::Call::kProvision, FakeProvider::Call::kUpload,
              FakeProvider::Call::kRun, FakeProvider::Call::kStartApp}) {
          fake->SetDefault(call, slow);
        }
        FakeProvider::Step install = slow;
        for (int i = 0; i < absl::GetFlag(FLAGS_fake_log_lines); ++i) {
          install.output.emplace_back(sandboxd::OutputStream::kStdout,
                                      "fake install line " + std::to_string(i));
        }
        fake->SetDefault(FakeProvider::Call::kInstall, install);
        return fake;
      });
}
