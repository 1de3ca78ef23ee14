#include "client/output_format.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"

namespace sandboxd::client {
namespace {

using sandbox::v1::BuildEvent;
using sandbox::v1::Sandbox;

std::string StripPrefix(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) == 0) return name.substr(prefix.size());
  return name;
}

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string FormatTimestamp(const google::protobuf::Timestamp& t,
                            absl::Time now) {
  absl::Time time = ToTime(t);
  std::string out =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
  if (time <= now) absl::StrAppend(&out, " (", FormatAge(now - time), " ago)");
  return out;
}

std::string FormatLabels(const Sandbox& s) {
  std::vector<std::string> pairs;
  for (const auto& [k, v] : s.labels())
    pairs.push_back(absl::StrCat(k, "=", v));
  std::sort(pairs.begin(), pairs.end());
  return absl::StrJoin(pairs, ", ");
}

std::string FormatPhaseDurations(const Sandbox& s) {
  std::vector<std::string> parts;
  for (const auto& pd : s.phase_durations()) {
    parts.push_back(
        absl::StrCat(PhaseName(pd.phase()), " ",
                     absl::FormatDuration(ToDuration(pd.duration()))));
  }
  return absl::StrJoin(parts, ", ");
}

std::string FormatError(const sandbox::v1::SandboxError& e) {
  std::string out = e.code();
  if (e.phase() != sandbox::v1::BUILD_PHASE_UNSPECIFIED) {
    absl::StrAppend(&out, " in ", PhaseName(e.phase()));
  }
  if (!e.message().empty()) absl::StrAppend(&out, ": ", e.message());
  return out;
}

std::string FormatLog(const sandbox::v1::LogLine& log) {
  switch (log.stream()) {
    case sandbox::v1::LOG_STREAM_STDERR:
      return absl::StrCat("  [stderr] ", log.text(), "\n");
    case sandbox::v1::LOG_STREAM_SYSTEM:
      return absl::StrCat("  [sandboxd] ", log.text(), "\n");
    default:
      return absl::StrCat("  ", log.text(), "\n");
  }
}

std::string FormatFinished(const sandbox::v1::BuildFinished& f,
                           absl::Duration elapsed) {
  std::string out =
      absl::StrCat(FormatElapsed(elapsed), " ", StatusName(f.status()));
  if (!f.preview_url().empty()) absl::StrAppend(&out, " ", f.preview_url());
  if (f.has_error()) absl::StrAppend(&out, " ", FormatError(f.error()));
  return absl::StrCat(out, "\n");
}

using Fields = std::vector<std::pair<std::string, std::string>>;

// What the sandbox is; "" for unset fields.
Fields IdentityFields(const Sandbox& s) {
  return {
      {"sandbox_id", s.sandbox_id()},
      {"project", s.project_name()},
      {"description", s.description()},
      {"owner", s.owner()},
      {"status", StatusName(s.status())},
      {"phase", s.phase() ? PhaseName(s.phase()) : ""},
      {"preview_url", s.preview_url()},
      {"provider", s.provider()},
      {"mode",
       s.mode() ? StripPrefix(sandbox::v1::Mode_Name(s.mode()), "MODE_") : ""},
      {"labels", FormatLabels(s)},
      {"queue_position",
       s.queue_position() ? absl::StrCat(s.queue_position()) : ""},
  };
}

// Its times, outcome and build record; "" for unset fields.
Fields LifeFields(const Sandbox& s, absl::Time now) {
  return {
      {"created",
       s.has_create_time() ? FormatTimestamp(s.create_time(), now) : ""},
      {"ready", s.has_ready_time() ? FormatTimestamp(s.ready_time(), now) : ""},
      {"last_activity", s.has_last_activity_time()
                            ? FormatTimestamp(s.last_activity_time(), now)
                            : ""},
      {"auto_stop",
       s.has_auto_stop_time()
           ? absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", ToTime(s.auto_stop_time()),
                              absl::UTCTimeZone())
           : ""},
      {"idle_timeout", s.has_idle_timeout()
                           ? absl::FormatDuration(ToDuration(s.idle_timeout()))
                           : ""},
      {"stop_reason",
       s.stop_reason()
           ? StripPrefix(sandbox::v1::StopReason_Name(s.stop_reason()),
                         "STOP_REASON_")
           : ""},
      {"error", s.has_error() ? FormatError(s.error()) : ""},
      {"phases", FormatPhaseDurations(s)},
      {"last_event",
       s.last_event_sequence() ? absl::StrCat(s.last_event_sequence()) : ""},
  };
}

Fields DetailFields(const Sandbox& s, absl::Time now) {
  Fields fields = IdentityFields(s);
  Fields life = LifeFields(s, now);
  fields.insert(fields.end(), life.begin(), life.end());
  return fields;
}

}  // namespace

std::string StatusName(sandbox::v1::SandboxStatus status) {
  if (!sandbox::v1::SandboxStatus_IsValid(status)) return absl::StrCat(status);
  return StripPrefix(sandbox::v1::SandboxStatus_Name(status),
                     "SANDBOX_STATUS_");
}

std::string PhaseName(sandbox::v1::BuildPhase phase) {
  if (phase == sandbox::v1::BUILD_PHASE_UNSPECIFIED) return "-";
  if (!sandbox::v1::BuildPhase_IsValid(phase)) return absl::StrCat(phase);
  return StripPrefix(sandbox::v1::BuildPhase_Name(phase), "BUILD_PHASE_");
}

std::string FormatAge(absl::Duration age) {
  if (age < absl::ZeroDuration()) age = absl::ZeroDuration();
  if (age < absl::Minutes(1))
    return absl::StrCat(absl::ToInt64Seconds(age), "s");
  if (age < absl::Hours(1)) return absl::StrCat(absl::ToInt64Minutes(age), "m");
  if (age < absl::Hours(48)) return absl::StrCat(absl::ToInt64Hours(age), "h");
  return absl::StrCat(absl::ToInt64Hours(age) / 24, "d");
}

std::string FormatElapsed(absl::Duration elapsed) {
  return absl::StrFormat("[%5.1fs]", absl::ToDoubleSeconds(elapsed));
}

std::string FormatSandboxTable(const std::vector<Sandbox>& rows,
                               absl::Time now) {
  using Row = std::array<std::string, 6>;
  std::vector<Row> table = {
      {"ID", "STATUS", "PHASE", "PROJECT", "AGE", "PREVIEW URL"}};
  for (const Sandbox& s : rows) {
    table.push_back(
        {s.sandbox_id(), StatusName(s.status()), PhaseName(s.phase()),
         OrDash(s.project_name()),
         s.has_create_time() ? FormatAge(now - ToTime(s.create_time())) : "-",
         OrDash(s.preview_url())});
  }
  std::array<size_t, 6> width{};
  for (const Row& row : table) {
    for (size_t c = 0; c < row.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  std::string out;
  for (const Row& row : table) {
    for (size_t c = 0; c + 1 < row.size(); ++c) {
      absl::StrAppend(&out, row[c],
                      std::string(width[c] - row[c].size() + 2, ' '));
    }
    absl::StrAppend(&out, row.back(), "\n");
  }
  return out;
}

std::string FormatSandboxDetails(const Sandbox& s, absl::Time now) {
  std::string out;
  for (const auto& [key, value] : DetailFields(s, now)) {
    if (value.empty()) continue;
    absl::StrAppend(&out, key, ":", std::string(15 - key.size(), ' '), value,
                    "\n");
  }
  return out;
}

std::string FormatCreateResponse(
    const sandbox::v1::CreateSandboxResponse& response) {
  std::string out = absl::StrCat("sandbox_id:  ", response.sandbox_id(), "\n");
  if (response.has_sandbox()) {
    absl::StrAppend(
        &out, "status:      ", StatusName(response.sandbox().status()), "\n");
  }
  absl::StrAppend(&out, "preview_url: ",
                  response.preview_url().empty() ? "(not yet known)"
                                                 : response.preview_url(),
                  "\n");
  if (response.sandbox().has_error()) {
    absl::StrAppend(
        &out, "error:       ", FormatError(response.sandbox().error()), "\n");
  }
  return out;
}

std::string FormatApplyResponse(
    const sandbox::v1::ApplyFilesResponse& response) {
  const sandbox::v1::Sandbox& s = response.sandbox();
  std::string out = absl::StrCat("sandbox_id:  ", s.sandbox_id(), "\n",
                                 "generation:  ", response.generation(), "\n",
                                 "status:      ", StatusName(s.status()), "\n");
  absl::StrAppend(&out, "preview_url: ",
                  s.preview_url().empty() ? "(not yet known)" : s.preview_url(),
                  "\n");
  if (s.has_error()) {
    absl::StrAppend(&out, "error:       ", FormatError(s.error()), "\n");
  }
  return out;
}

std::string FormatDiagnostic(const sandbox::v1::Diagnostic& d) {
  std::string out = d.file();
  if (d.line() > 0) {
    absl::StrAppend(&out, ":", d.line());
    if (d.column() > 0) absl::StrAppend(&out, ":", d.column());
  }
  std::string severity =
      d.severity() == sandbox::v1::SEVERITY_UNSPECIFIED
          ? "note"
          : absl::AsciiStrToLower(StripPrefix(
                sandbox::v1::Severity_Name(d.severity()), "SEVERITY_"));
  return absl::StrCat(out, ": ", severity, ": ", d.message());
}

std::string FormatBuildEvent(const BuildEvent& event, absl::Duration elapsed) {
  switch (event.kind_case()) {
    case BuildEvent::kPhaseChange: {
      const auto& pc = event.phase_change();
      std::string out =
          absl::StrCat(FormatElapsed(elapsed), " ", PhaseName(pc.to()));
      if (!pc.message().empty()) absl::StrAppend(&out, " (", pc.message(), ")");
      return absl::StrCat(out, "\n");
    }
    case BuildEvent::kLog:
      return FormatLog(event.log());
    case BuildEvent::kDiagnostic:
      return absl::StrCat("  ", FormatDiagnostic(event.diagnostic()), "\n");
    case BuildEvent::kFinished:
      return FormatFinished(event.finished(), elapsed);
    case BuildEvent::KIND_NOT_SET:
      break;
  }
  return "";
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message,
                                   bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  std::string out;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat(
        "cannot print JSON: ",
        std::string(status.message().data(), status.message().size())));
  }
  // The pretty printer ends with a newline and the compact one does not.
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace sandboxd::client
