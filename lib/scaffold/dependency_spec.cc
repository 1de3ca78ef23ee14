#include "lib/scaffold/dependency_spec.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/scaffold/semver.h"

namespace sandboxd::scaffold {
namespace {

constexpr size_t kMaxPackageNameBytes = 214;
constexpr size_t kMaxTagBytes = 128;

bool IsNameChar(char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool IsNamePart(absl::string_view part) {
  if (part.empty() || part[0] == '.' || part[0] == '_') return false;
  for (char c : part) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

std::string Quote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) {
      out += "?";
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

// Why a non-registry spec is rejected, for a clearer message.
absl::string_view Kind(absl::string_view spec) {
  std::string lower = absl::AsciiStrToLower(spec);
  if (absl::StartsWith(lower, "file:") || absl::StartsWith(lower, "link:") ||
      absl::StartsWith(lower, ".") || absl::StartsWith(lower, "/") ||
      absl::StartsWith(lower, "~/")) {
    return "local paths are not allowed";
  }
  if (absl::StartsWith(lower, "git") || absl::StartsWith(lower, "bitbucket:") ||
      absl::StartsWith(lower, "gitlab:") || absl::StartsWith(lower, "gist:") ||
      absl::StrContains(lower, ".git")) {
    return "git dependencies are not allowed";
  }
  if (absl::StartsWith(lower, "http:") || absl::StartsWith(lower, "https:")) {
    return "URL dependencies are not allowed";
  }
  if (absl::StartsWith(lower, "workspace:")) {
    return "workspace dependencies are not allowed";
  }
  if (lower.find('/') != std::string::npos) {
    return "GitHub shorthands are not allowed";
  }
  return "use a semver range or a dist-tag";
}

absl::Status NotRegistry(absl::string_view name, absl::string_view spec,
                         absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("dependency ", Quote(name), ": ", Quote(spec),
                   " is not a registry version (", why, ")"));
}

}  // namespace

absl::Status ValidatePackageName(absl::string_view name) {
  bool ok = !name.empty() && name.size() <= kMaxPackageNameBytes;
  if (ok && name[0] == '@') {
    size_t slash = name.find('/');
    ok = slash != absl::string_view::npos &&
         IsNamePart(name.substr(1, slash - 1)) &&
         IsNamePart(name.substr(slash + 1));
  } else if (ok) {
    ok = IsNamePart(name);
  }
  if (ok && (name == "node_modules" || name == "favicon.ico")) ok = false;
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("dependency ", Quote(name), ": invalid package name"));
  }
  return absl::OkStatus();
}

bool IsSemVerRange(absl::string_view spec) {
  return SemVerRange::Parse(spec).has_value();
}

bool IsDistTag(absl::string_view spec) {
  if (spec.empty() || spec.size() > kMaxTagBytes) return false;
  if (!absl::ascii_isalpha(spec[0])) return false;
  for (char c : spec) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

absl::Status ValidateDependency(absl::string_view name,
                                absl::string_view spec) {
  if (absl::Status s = ValidatePackageName(name); !s.ok()) return s;
  if (IsSemVerRange(spec) || IsDistTag(spec)) return absl::OkStatus();
  absl::string_view target = spec;
  if (absl::ConsumePrefix(&target, "npm:")) {
    // npm:<name>[@<range or tag>]; the '@' of a scope is not the separator.
    size_t at = target.find('@', target.empty() ? 0 : 1);
    absl::string_view alias_name = target.substr(0, at);
    absl::string_view alias_spec =
        at == absl::string_view::npos ? "" : target.substr(at + 1);
    if (ValidatePackageName(alias_name).ok() &&
        (IsSemVerRange(alias_spec) || IsDistTag(alias_spec))) {
      return absl::OkStatus();
    }
    return NotRegistry(name, spec, "npm: aliases must name a registry version");
  }
  return NotRegistry(name, spec, Kind(spec));
}

}  // namespace sandboxd::scaffold
