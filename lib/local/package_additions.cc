#include "lib/local/package_additions.h"

#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/scaffold/json_util.h"

namespace sandboxd::local {
namespace {

constexpr char kPrefix[] = "node_modules/";

// "node_modules/a/node_modules/b" -> "a"; "node_modules/@s/a/x" -> "@s/a".
// Empty for the root entry ("") and anything not under node_modules/.
std::string TopLevelPackage(const std::string& key) {
  if (!absl::StartsWith(key, kPrefix)) return "";
  std::vector<std::string> parts =
      absl::StrSplit(key.substr(sizeof(kPrefix) - 1), '/');
  if (parts.empty() || parts[0].empty()) return "";
  if (parts[0][0] == '@') {
    if (parts.size() < 2 || parts[1].empty()) return "";
    return absl::StrCat(parts[0], "/", parts[1]);
  }
  return std::string(parts[0]);
}

// Package path -> version (plus "resolved", which changes with the source).
absl::StatusOr<std::map<std::string, std::string>> Packages(
    std::string_view lock, const char* which) {
  rapidjson::Document doc;
  if (absl::Status s = scaffold::ParseJson(
          absl::string_view(lock.data(), lock.size()), false, &doc);
      !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(which, " lockfile: ", s.message()));
  }
  if (!doc.IsObject() || !doc.HasMember("packages") ||
      !doc["packages"].IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat(which, " lockfile has no \"packages\" object"));
  }
  std::map<std::string, std::string> out;
  for (const auto& member : doc["packages"].GetObject()) {
    std::string identity;
    if (member.value.IsObject()) {
      for (const char* field : {"version", "resolved", "link"}) {
        auto it = member.value.FindMember(field);
        if (it != member.value.MemberEnd()) {
          absl::StrAppend(&identity, field, "=",
                          it->value.IsString()
                              ? scaffold::JsonString(it->value)
                              : scaffold::CanonicalJson(it->value),
                          ";");
        }
      }
    }
    out[scaffold::JsonString(member.name)] = identity;
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> AddedTopLevelPackages(
    std::string_view before_lock, std::string_view after_lock) {
  absl::StatusOr<std::map<std::string, std::string>> before =
      Packages(before_lock, "the original");
  if (!before.ok()) return before.status();
  absl::StatusOr<std::map<std::string, std::string>> after =
      Packages(after_lock, "the updated");
  if (!after.ok()) return after.status();
  std::set<std::string> existing;
  for (const auto& [key, identity] : *before) {
    std::string top = TopLevelPackage(key);
    if (!top.empty()) existing.insert(top);
  }
  std::set<std::string> added;
  for (const auto& [key, identity] : *after) {
    std::string top = TopLevelPackage(key);
    if (top.empty()) continue;
    auto old = before->find(key);
    if (old != before->end()) {
      if (old->second != identity) {
        return absl::FailedPreconditionError(absl::StrCat(
            "adding the packages would change the installed ", top));
      }
      continue;
    }
    if (existing.contains(top)) {
      return absl::FailedPreconditionError(
          absl::StrCat("adding the packages would change the installed ", top));
    }
    added.insert(top);
  }
  return std::vector<std::string>(added.begin(), added.end());
}

}  // namespace sandboxd::local
