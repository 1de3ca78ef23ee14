#include "lib/scaffold/package_json.h"

#include <set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"
#include "lib/scaffold/dependency_spec.h"
#include "lib/scaffold/json_util.h"
#include "lib/scaffold/semver.h"
#include "rapidjson/document.h"

namespace sandboxd::scaffold {
namespace {

using DepMap = std::map<std::string, std::string>;

constexpr char kField[] = "generated_code[\"package.json\"]";
constexpr char kDefaultName[] = "generated-app";
constexpr char kDefaultVersion[] = "0.1.0";

// Sections in the order npm lets a later one win over an earlier one when a
// package is listed twice (optionalDependencies override dependencies).
enum Section { kDev = 0, kDeps = 1, kOptional = 2, kPeer = 3, kNumSections };
constexpr const char* kSectionNames[kNumSections] = {
    "devDependencies", "dependencies", "optionalDependencies",
    "peerDependencies"};

struct StackPackage {
  const char* name;
  const char* version;
  Section home;
  bool forced;  // the CSS decides the version, whatever was requested
};

std::vector<StackPackage> StackFor(TailwindMajor tailwind) {
  std::vector<StackPackage> stack = {
      {"next", kNextVersion, kDeps, false},
      {"react", kReactVersion, kDeps, false},
      {"react-dom", kReactVersion, kDeps, false},
      {"typescript", kTypeScriptVersion, kDev, false},
      {"@types/node", kTypesNodeVersion, kDev, false},
      {"@types/react", kTypesReactVersion, kDev, false},
      {"@types/react-dom", kTypesReactDomVersion, kDev, false},
  };
  if (tailwind == TailwindMajor::kV3) {
    stack.push_back({"tailwindcss", kTailwind3Version, kDev, true});
    stack.push_back({"postcss", kPostCssVersion, kDev, false});
    stack.push_back({"autoprefixer", kAutoprefixerVersion, kDev, false});
  } else {
    stack.push_back({"tailwindcss", kTailwind4Version, kDev, true});
    stack.push_back({"@tailwindcss/postcss", kTailwind4Version, kDev, true});
  }
  return stack;
}

absl::Status Error(absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(kField, ": ", message));
}

// "Unpinned" means the pinned version would do: `latest`, `*`, or a range
// that admits it. Anything else was asked for on purpose and is kept.
bool ShouldPin(const std::string& spec, const char* version) {
  if (spec == "latest") return true;
  std::optional<SemVerRange> range = SemVerRange::Parse(spec);
  return range.has_value() && range->Satisfies(*ParseSemVer(version));
}

absl::StatusOr<DepMap> ReadSection(const rapidjson::Value& root,
                                   const char* section) {
  DepMap deps;
  auto it = root.FindMember(section);
  if (it == root.MemberEnd()) return deps;
  if (!it->value.IsObject()) {
    return Error(absl::StrCat("\"", section, "\" must be an object"));
  }
  for (const auto& member : it->value.GetObject()) {
    std::string name = JsonString(member.name);
    if (!member.value.IsString()) {
      RETURN_IF_ERROR(ValidatePackageName(name));
      return Error(absl::StrCat("dependency \"", name,
                                "\": the version must be a string"));
    }
    std::string spec = JsonString(member.value);
    absl::Status status = ValidateDependency(name, spec);
    if (!status.ok()) return Annotate(status, kField);
    deps[name] = spec;
  }
  return deps;
}

absl::Status ValidateOverrides(const rapidjson::Value& value) {
  if (!value.IsObject()) return Error("\"overrides\" must be an object");
  for (const auto& member : value.GetObject()) {
    std::string key = JsonString(member.name);
    // Keys are `name`, `name@range` or "." (the enclosing package itself).
    std::string name = key.substr(0, key.find('@', 1));
    if (member.value.IsObject()) {
      RETURN_IF_ERROR(ValidateOverrides(member.value));
      continue;
    }
    if (!member.value.IsString()) {
      return Error(absl::StrCat("overrides \"", key, "\" must be a string"));
    }
    std::string spec = JsonString(member.value);
    if (absl::StartsWith(spec, "$")) {
      absl::Status s = ValidatePackageName(spec.substr(1));
      if (!s.ok()) return Annotate(s, absl::StrCat(kField, ": overrides"));
      continue;
    }
    absl::Status s = ValidateDependency(key == "." ? "override" : name, spec);
    if (!s.ok()) return Annotate(s, absl::StrCat(kField, ": overrides"));
  }
  return absl::OkStatus();
}

void SetString(rapidjson::Document& doc, const char* key,
               absl::string_view value) {
  auto& a = doc.GetAllocator();
  rapidjson::Value v(value.data(),
                     static_cast<rapidjson::SizeType>(value.size()), a);
  auto it = doc.FindMember(key);
  if (it != doc.MemberEnd()) {
    it->value = v;
  } else {
    doc.AddMember(rapidjson::Value(key, a), v, a);
  }
}

void SetSection(rapidjson::Document& doc, const char* key, const DepMap& deps) {
  auto& a = doc.GetAllocator();
  rapidjson::Value obj(rapidjson::kObjectType);
  for (const auto& [name, spec] : deps) {  // sorted, as npm writes them
    obj.AddMember(JsonValue(name, a), JsonValue(spec, a), a);
  }
  auto it = doc.FindMember(key);
  if (it != doc.MemberEnd()) {
    it->value = obj;
  } else {
    doc.AddMember(rapidjson::Value(key, a), obj, a);
  }
}

absl::Status FixIdentity(rapidjson::Document& doc) {
  auto name = doc.FindMember("name");
  if (name == doc.MemberEnd() || !name->value.IsString() ||
      !ValidatePackageName(JsonString(name->value)).ok()) {
    SetString(doc, "name", kDefaultName);
  }
  auto version = doc.FindMember("version");
  if (version == doc.MemberEnd() || !version->value.IsString() ||
      !ParseSemVer(JsonString(version->value)).has_value()) {
    SetString(doc, "version", kDefaultVersion);
  }
  auto& a = doc.GetAllocator();
  auto priv = doc.FindMember("private");
  if (priv != doc.MemberEnd()) {
    priv->value.SetBool(true);
  } else {
    doc.AddMember("private", true, a);
  }
  auto scripts = doc.FindMember("scripts");
  if (scripts == doc.MemberEnd()) {
    doc.AddMember("scripts", rapidjson::Value(rapidjson::kObjectType), a);
    scripts = doc.FindMember("scripts");
  }
  if (!scripts->value.IsObject()) return Error("\"scripts\" must be an object");
  for (const char* script : {"dev", "build", "start"}) {
    if (!scripts->value.HasMember(script)) {
      scripts->value.AddMember(
          rapidjson::Value(script, a),
          rapidjson::Value(absl::StrCat("next ", script).c_str(), a), a);
    }
  }
  return absl::OkStatus();
}

void ApplyStack(TailwindMajor tailwind, DepMap (&sections)[kNumSections]) {
  for (const StackPackage& pkg : StackFor(tailwind)) {
    bool listed = false;
    for (int s = kDev; s <= kOptional; ++s) {
      auto it = sections[s].find(pkg.name);
      if (it == sections[s].end()) continue;
      listed = true;
      if (pkg.forced || ShouldPin(it->second, pkg.version)) {
        it->second = pkg.version;
      }
    }
    if (!listed) sections[pkg.home][pkg.name] = pkg.version;
  }
  // A package listed twice: keep the entry npm would use.
  for (int s = kDev; s < kOptional; ++s) {
    for (int later = s + 1; later <= kOptional; ++later) {
      for (const auto& [name, spec] : sections[later]) sections[s].erase(name);
    }
  }
}

}  // namespace

absl::StatusOr<MergedPackageJson> MergePackageJson(
    std::optional<absl::string_view> user_json, TailwindMajor tailwind) {
  rapidjson::Document doc;
  if (user_json.has_value()) {
    absl::Status parsed = ParseJson(*user_json, /*jsonc=*/false, &doc);
    if (!parsed.ok()) return Annotate(parsed, kField);
    if (!doc.IsObject()) return Error("must be a JSON object");
  } else {
    doc.SetObject();
  }
  if (doc.HasMember("workspaces")) {
    return Error("\"workspaces\" is not supported");
  }
  MergedPackageJson out;
  auto overrides = doc.FindMember("overrides");
  if (overrides != doc.MemberEnd()) {
    RETURN_IF_ERROR(ValidateOverrides(overrides->value));
    out.overrides = CanonicalJson(overrides->value);
  }
  DepMap sections[kNumSections];
  for (int s = 0; s < kNumSections; ++s) {
    ASSIGN_OR_RETURN(sections[s], ReadSection(doc, kSectionNames[s]));
  }
  RETURN_IF_ERROR(FixIdentity(doc));
  ApplyStack(tailwind, sections);
  for (int s : {kDeps, kDev, kOptional, kPeer}) {
    const bool always = s == kDeps || s == kDev;
    if (always || doc.HasMember(kSectionNames[s])) {
      SetSection(doc, kSectionNames[s], sections[s]);
    }
  }
  for (int s = kDev; s <= kOptional; ++s) {
    out.dependencies.insert(sections[s].begin(), sections[s].end());
  }
  out.text = PrettyJson(doc);
  return out;
}

}  // namespace sandboxd::scaffold
