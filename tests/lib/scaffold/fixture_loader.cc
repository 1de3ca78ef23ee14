#include "tests/lib/scaffold/fixture_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"

namespace sandboxd::scaffold::testing {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::map<std::string, std::string> StringMap(const rapidjson::Value& doc,
                                             const char* key) {
  std::map<std::string, std::string> out;
  auto it = doc.FindMember(key);
  if (it == doc.MemberEnd() || !it->value.IsObject()) return out;
  for (const auto& m : it->value.GetObject()) {
    out[m.name.GetString()] = m.value.GetString();
  }
  return out;
}

std::string String(const rapidjson::Value& doc, const char* key) {
  auto it = doc.FindMember(key);
  return it != doc.MemberEnd() && it->value.IsString() ? it->value.GetString()
                                                       : "";
}

}  // namespace

std::string FixtureRoot() { return SANDBOXD_SCAFFOLD_FIXTURES; }

std::vector<std::string> FixtureNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(FixtureRoot())) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<Fixture> LoadFixture(const std::string& name) {
  const fs::path dir = fs::path(FixtureRoot()) / name;
  absl::StatusOr<std::string> json = ReadFile(dir / "request.json");
  if (!json.ok()) return json.status();
  rapidjson::Document doc;
  doc.Parse(json->c_str());
  if (doc.HasParseError() || !doc.IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, "/request.json: bad JSON"));
  }
  Fixture fixture;
  fixture.name = name;
  fixture.description = String(doc, "description");
  fixture.request.mode =
      String(doc, "mode") == "production" ? Mode::kProduction : Mode::kDev;
  fixture.request.build_script = String(doc, "build_script");
  fixture.request.environment = StringMap(doc, "environment");
  fixture.expect_error = String(doc, "expect_error");
  fixture.expect_get = StringMap(doc, "expect_get");
  const fs::path code = dir / "code";
  for (const auto& entry : fs::recursive_directory_iterator(code)) {
    if (!entry.is_regular_file()) continue;
    absl::StatusOr<std::string> content = ReadFile(entry.path());
    if (!content.ok()) return content.status();
    fixture.request.generated_code[fs::relative(entry.path(), code).string()] =
        *std::move(content);
  }
  return fixture;
}

}  // namespace sandboxd::scaffold::testing
