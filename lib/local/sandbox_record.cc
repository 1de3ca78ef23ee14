#include "lib/local/sandbox_record.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace sandboxd::local {
namespace {

const char* StateName(SandboxRecord::State state) {
  switch (state) {
    case SandboxRecord::State::kCreated:
      return "created";
    case SandboxRecord::State::kRunning:
      return "running";
    case SandboxRecord::State::kStopped:
      return "stopped";
    case SandboxRecord::State::kFailed:
      return "failed";
  }
  return "failed";
}

}  // namespace

std::string EncodeSandboxRecord(const SandboxRecord& r) {
  std::string detail = absl::StrReplaceAll(r.detail, {{"\n", " "}});
  return absl::StrCat("sandbox_id=", r.sandbox_id, "\nuid=", r.uid, "\nmode=",
                      r.mode == scaffold::Mode::kDev ? "dev" : "production",
                      "\nstate=", StateName(r.state), "\nport=", r.port,
                      "\ndependency_fingerprint=", r.dependency_fingerprint,
                      "\ncgroup=", r.cgroup, "\ndetail=", detail, "\n");
}

absl::StatusOr<SandboxRecord> DecodeSandboxRecord(std::string_view text) {
  SandboxRecord r;
  bool has_id = false, has_uid = false;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(text.data(), text.size()), '\n',
                      absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    const std::string& key = kv.first;
    const std::string& value = kv.second;
    bool ok = true;
    if (key == "sandbox_id") {
      r.sandbox_id = value;
      has_id = ValidateSandboxId(value).ok();
      ok = has_id;
    } else if (key == "uid") {
      has_uid = ok = absl::SimpleAtoi(value, &r.uid);
    } else if (key == "mode") {
      ok = value == "dev" || value == "production";
      r.mode =
          value == "dev" ? scaffold::Mode::kDev : scaffold::Mode::kProduction;
    } else if (key == "state") {
      ok = false;
      for (auto s :
           {SandboxRecord::State::kCreated, SandboxRecord::State::kRunning,
            SandboxRecord::State::kStopped, SandboxRecord::State::kFailed}) {
        if (value == StateName(s)) {
          r.state = s;
          ok = true;
        }
      }
    } else if (key == "port") {
      ok = absl::SimpleAtoi(value, &r.port) && r.port > 0 && r.port < 65536;
    } else if (key == "dependency_fingerprint") {
      r.dependency_fingerprint = value;
      ok = value.empty() || ValidateFingerprint(value).ok();
    } else if (key == "cgroup") {
      r.cgroup = value;
      ok = value.empty() || ValidateSandboxId(value).ok();
    } else if (key == "detail") {
      r.detail = value;
    }
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("sandbox record: bad line \"", std::string(line), "\""));
    }
  }
  if (!has_id || !has_uid) {
    return absl::InvalidArgumentError(
        "sandbox record: sandbox_id or uid missing");
  }
  if (r.cgroup.empty()) r.cgroup = r.sandbox_id;
  return r;
}

absl::Status ValidateSandboxId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 63 && id.front() != '-';
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sandbox_id \"", std::string(id), "\": want 1-63 of [A-Za-z0-9-]"));
  }
  return absl::OkStatus();
}

absl::Status ValidateFingerprint(std::string_view fingerprint) {
  bool ok = fingerprint.size() >= 8 && fingerprint.size() <= 128;
  for (char c : fingerprint) {
    ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("dependency_fingerprint \"", std::string(fingerprint),
                     "\": want 8-128 lowercase hex digits"));
  }
  return absl::OkStatus();
}

}  // namespace sandboxd::local
