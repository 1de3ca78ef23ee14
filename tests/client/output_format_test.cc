#include "client/output_format.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sandboxd::client {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

google::protobuf::Timestamp Ts(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

sandbox::v1::Sandbox MakeSandbox(const std::string& id,
                                 sandbox::v1::SandboxStatus status,
                                 absl::Duration age) {
  sandbox::v1::Sandbox s;
  s.set_sandbox_id(id);
  s.set_status(status);
  *s.mutable_create_time() = Ts(kNow - age);
  return s;
}

TEST(OutputFormatTest, NamesDropTheEnumPrefix) {
  EXPECT_EQ(StatusName(sandbox::v1::SANDBOX_STATUS_READY), "READY");
  EXPECT_EQ(StatusName(static_cast<sandbox::v1::SandboxStatus>(99)), "99");
  EXPECT_EQ(PhaseName(sandbox::v1::BUILD_PHASE_INSTALLING), "INSTALLING");
  EXPECT_EQ(PhaseName(sandbox::v1::BUILD_PHASE_UNSPECIFIED), "-");
}

TEST(OutputFormatTest, AgesAndElapsed) {
  EXPECT_EQ(FormatAge(absl::Seconds(42)), "42s");
  EXPECT_EQ(FormatAge(absl::Minutes(5) + absl::Seconds(59)), "5m");
  EXPECT_EQ(FormatAge(absl::Hours(3)), "3h");
  EXPECT_EQ(FormatAge(absl::Hours(24 * 3)), "3d");
  EXPECT_EQ(FormatAge(-absl::Seconds(3)), "0s");
  EXPECT_EQ(FormatElapsed(absl::Milliseconds(2300)), "[  2.3s]");
  EXPECT_EQ(FormatElapsed(absl::Seconds(123)), "[123.0s]");
}

TEST(OutputFormatTest, TableAlignsColumns) {
  sandbox::v1::Sandbox a = MakeSandbox(
      "sbx-aaaa", sandbox::v1::SANDBOX_STATUS_READY, absl::Minutes(5));
  a.set_phase(sandbox::v1::BUILD_PHASE_READY);
  a.set_project_name("shop");
  a.set_preview_url("http://sbx-aaaa.preview.localhost:8080/");
  sandbox::v1::Sandbox b = MakeSandbox(
      "sbx-b", sandbox::v1::SANDBOX_STATUS_BUILDING, absl::Seconds(7));
  b.set_phase(sandbox::v1::BUILD_PHASE_INSTALLING);

  EXPECT_EQ(FormatSandboxTable({a, b}, kNow),
            "ID        STATUS    PHASE       PROJECT  AGE  PREVIEW URL\n"
            "sbx-aaaa  READY     READY       shop     5m   "
            "http://sbx-aaaa.preview.localhost:8080/\n"
            "sbx-b     BUILDING  INSTALLING  -        7s   -\n");
}

TEST(OutputFormatTest, DetailsShowSetFieldsOnly) {
  sandbox::v1::Sandbox s =
      MakeSandbox("sbx-1", sandbox::v1::SANDBOX_STATUS_FAILED, absl::Hours(2));
  s.set_phase(sandbox::v1::BUILD_PHASE_BUILDING);
  s.set_mode(sandbox::v1::MODE_PRODUCTION);
  (*s.mutable_labels())["team"] = "web";
  (*s.mutable_labels())["env"] = "qa";
  s.mutable_error()->set_code("BUILD_FAILED");
  s.mutable_error()->set_message("Type error");
  s.mutable_error()->set_phase(sandbox::v1::BUILD_PHASE_BUILDING);
  s.mutable_idle_timeout()->set_seconds(3600);
  auto* pd = s.add_phase_durations();
  pd->set_phase(sandbox::v1::BUILD_PHASE_INSTALLING);
  pd->mutable_duration()->set_seconds(12);

  std::string out = FormatSandboxDetails(s, kNow);
  EXPECT_THAT(out, HasSubstr("sandbox_id:     sbx-1\n"));
  EXPECT_THAT(out, HasSubstr("status:         FAILED\n"));
  EXPECT_THAT(out, HasSubstr("phase:          BUILDING\n"));
  EXPECT_THAT(out, HasSubstr("mode:           PRODUCTION\n"));
  EXPECT_THAT(out, HasSubstr("labels:         env=qa, team=web\n"));
  EXPECT_THAT(out,
              HasSubstr("created:        2027-01-15T06:00:00Z (2h ago)\n"));
  EXPECT_THAT(out, HasSubstr("idle_timeout:   1h\n"));
  EXPECT_THAT(
      out, HasSubstr("error:          BUILD_FAILED in BUILDING: Type error\n"));
  EXPECT_THAT(out, HasSubstr("phases:         INSTALLING 12s\n"));
  EXPECT_THAT(out, Not(HasSubstr("preview_url")));
  EXPECT_THAT(out, Not(HasSubstr("stop_reason")));
}

TEST(OutputFormatTest, CreateResponseShowsIdAndUrl) {
  sandbox::v1::CreateSandboxResponse r;
  r.set_sandbox_id("sbx-9");
  r.mutable_sandbox()->set_status(sandbox::v1::SANDBOX_STATUS_PENDING);
  EXPECT_EQ(FormatCreateResponse(r),
            "sandbox_id:  sbx-9\nstatus:      PENDING\n"
            "preview_url: (not yet known)\n");
  r.set_preview_url("http://x/");
  EXPECT_THAT(FormatCreateResponse(r), HasSubstr("preview_url: http://x/\n"));
}

TEST(OutputFormatTest, ApplyResponseShowsTheGeneration) {
  sandbox::v1::ApplyFilesResponse r;
  r.set_generation(4);
  r.mutable_sandbox()->set_sandbox_id("sbx-9");
  r.mutable_sandbox()->set_status(sandbox::v1::SANDBOX_STATUS_BUILDING);
  EXPECT_EQ(FormatApplyResponse(r),
            "sandbox_id:  sbx-9\ngeneration:  4\nstatus:      BUILDING\n"
            "preview_url: (not yet known)\n");
}

TEST(OutputFormatTest, DiagnosticLikeACompiler) {
  sandbox::v1::Diagnostic d;
  d.set_file("app/page.tsx");
  d.set_line(3);
  d.set_column(7);
  d.set_severity(sandbox::v1::SEVERITY_ERROR);
  d.set_message("Cannot find name 'foo'.");
  EXPECT_EQ(FormatDiagnostic(d),
            "app/page.tsx:3:7: error: Cannot find name 'foo'.");
  d.set_column(0);
  d.set_severity(sandbox::v1::SEVERITY_WARNING);
  EXPECT_EQ(FormatDiagnostic(d),
            "app/page.tsx:3: warning: Cannot find name 'foo'.");
  d.set_line(0);
  EXPECT_EQ(FormatDiagnostic(d),
            "app/page.tsx: warning: Cannot find name 'foo'.");
}

TEST(OutputFormatTest, BuildEventsForWatch) {
  sandbox::v1::BuildEvent phase;
  phase.mutable_phase_change()->set_from(sandbox::v1::BUILD_PHASE_UPLOADING);
  phase.mutable_phase_change()->set_to(sandbox::v1::BUILD_PHASE_INSTALLING);
  EXPECT_EQ(FormatBuildEvent(phase, absl::Milliseconds(2300)),
            "[  2.3s] INSTALLING\n");
  phase.mutable_phase_change()->set_to(sandbox::v1::BUILD_PHASE_QUEUED);
  phase.mutable_phase_change()->set_message("position 3 in the build queue");
  EXPECT_EQ(FormatBuildEvent(phase, absl::ZeroDuration()),
            "[  0.0s] QUEUED (position 3 in the build queue)\n");

  sandbox::v1::BuildEvent log;
  log.mutable_log()->set_text("added 312 packages");
  log.mutable_log()->set_stream(sandbox::v1::LOG_STREAM_STDOUT);
  EXPECT_EQ(FormatBuildEvent(log, absl::Seconds(1)), "  added 312 packages\n");
  log.mutable_log()->set_stream(sandbox::v1::LOG_STREAM_STDERR);
  EXPECT_EQ(FormatBuildEvent(log, absl::Seconds(1)),
            "  [stderr] added 312 packages\n");

  sandbox::v1::BuildEvent diag;
  diag.mutable_diagnostic()->set_file("a.tsx");
  diag.mutable_diagnostic()->set_line(1);
  diag.mutable_diagnostic()->set_column(2);
  diag.mutable_diagnostic()->set_severity(sandbox::v1::SEVERITY_ERROR);
  diag.mutable_diagnostic()->set_message("bad");
  EXPECT_EQ(FormatBuildEvent(diag, absl::Seconds(1)),
            "  a.tsx:1:2: error: bad\n");

  sandbox::v1::BuildEvent ready;
  ready.mutable_finished()->set_status(sandbox::v1::SANDBOX_STATUS_READY);
  ready.mutable_finished()->set_preview_url("http://p/");
  EXPECT_EQ(FormatBuildEvent(ready, absl::Seconds(12)),
            "[ 12.0s] READY http://p/\n");

  sandbox::v1::BuildEvent failed;
  failed.mutable_finished()->set_status(sandbox::v1::SANDBOX_STATUS_FAILED);
  failed.mutable_finished()->mutable_error()->set_code("INSTALL_FAILED");
  failed.mutable_finished()->mutable_error()->set_message("npm ERR! 404");
  EXPECT_EQ(FormatBuildEvent(failed, absl::Seconds(5)),
            "[  5.0s] FAILED INSTALL_FAILED: npm ERR! 404\n");

  EXPECT_EQ(FormatBuildEvent(sandbox::v1::BuildEvent(), absl::Seconds(1)), "");
}

TEST(OutputFormatTest, JsonUsesCamelCaseOnOneLine) {
  sandbox::v1::BuildEvent e;
  e.set_sequence(5);
  e.set_sandbox_id("sbx-1");
  e.mutable_finished()->set_status(sandbox::v1::SANDBOX_STATUS_READY);
  e.mutable_finished()->set_preview_url("http://p/");
  absl::StatusOr<std::string> json = ToJson(e, false);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json,
            R"({"sequence":"5","sandboxId":"sbx-1","finished":)"
            R"({"status":"SANDBOX_STATUS_READY","previewUrl":"http://p/"}})");
  absl::StatusOr<std::string> pretty = ToJson(e, true);
  ASSERT_TRUE(pretty.ok());
  EXPECT_THAT(*pretty, HasSubstr("\n"));
  EXPECT_NE(pretty->back(), '\n');
}

}  // namespace
}  // namespace sandboxd::client
