#include "lib/scaffold/package_json.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/scaffold/json_util.h"
#include "lib/scaffold/stack.h"
#include "rapidjson/document.h"
#include "tests/lib/scaffold/test_util.h"

namespace sandboxd::scaffold {
namespace {

using ::sandboxd::scaffold::testing::IsInvalidArgument;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

MergedPackageJson MergeOk(std::optional<absl::string_view> json,
                          TailwindMajor tw = TailwindMajor::kV4) {
  absl::StatusOr<MergedPackageJson> merged = MergePackageJson(json, tw);
  EXPECT_TRUE(merged.ok()) << merged.status();
  return merged.ok() ? *merged : MergedPackageJson{};
}

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

std::string Get(const rapidjson::Document& doc, const char* section,
                const char* name) {
  if (!doc.HasMember(section) || !doc[section].HasMember(name))
    return "<absent>";
  return doc[section][name].GetString();
}

TEST(PackageJsonTest, WithoutPackageJsonWritesThePinnedDefaultStack) {
  MergedPackageJson merged = MergeOk(std::nullopt, TailwindMajor::kV4);
  rapidjson::Document doc = Parse(merged.text);
  EXPECT_STREQ(doc["name"].GetString(), "generated-app");
  EXPECT_TRUE(doc["private"].GetBool());
  EXPECT_STREQ(doc["scripts"]["build"].GetString(), "next build");
  EXPECT_EQ(Get(doc, "dependencies", "next"), kNextVersion);
  EXPECT_EQ(Get(doc, "dependencies", "react"), kReactVersion);
  EXPECT_EQ(Get(doc, "dependencies", "react-dom"), kReactVersion);
  EXPECT_EQ(Get(doc, "devDependencies", "typescript"), kTypeScriptVersion);
  EXPECT_EQ(Get(doc, "devDependencies", "tailwindcss"), kTailwind4Version);
  EXPECT_EQ(Get(doc, "devDependencies", "@tailwindcss/postcss"),
            kTailwind4Version);
  EXPECT_EQ(Get(doc, "devDependencies", "autoprefixer"), "<absent>");
  EXPECT_EQ(merged.dependencies.size(), 9u);
  EXPECT_EQ(merged.dependencies.at("next"), kNextVersion);
  EXPECT_THAT(merged.text, ::testing::EndsWith("}\n"));
  EXPECT_THAT(merged.text, HasSubstr("\n  \"name\": \"generated-app\""));
}

TEST(PackageJsonTest, Tailwind3GetsPostCssAndAutoprefixer) {
  rapidjson::Document doc =
      Parse(MergeOk(std::nullopt, TailwindMajor::kV3).text);
  EXPECT_EQ(Get(doc, "devDependencies", "tailwindcss"), kTailwind3Version);
  EXPECT_EQ(Get(doc, "devDependencies", "postcss"), kPostCssVersion);
  EXPECT_EQ(Get(doc, "devDependencies", "autoprefixer"), kAutoprefixerVersion);
  EXPECT_EQ(Get(doc, "devDependencies", "@tailwindcss/postcss"), "<absent>");
}

TEST(PackageJsonTest, KeepsValidFieldsAndExtraDependencies) {
  MergedPackageJson merged = MergeOk(R"({
    "name": "my-app", "version": "2.1.0", "description": "kept",
    "scripts": {"dev": "next dev --turbopack", "lint": "next lint"},
    "dependencies": {"zustand": "^5.0.0", "lucide-react": "latest",
                     "date-fns": "3.6.0"},
    "browserslist": ["defaults"]
  })");
  rapidjson::Document doc = Parse(merged.text);
  EXPECT_STREQ(doc["name"].GetString(), "my-app");
  EXPECT_STREQ(doc["version"].GetString(), "2.1.0");
  EXPECT_STREQ(doc["description"].GetString(), "kept");
  EXPECT_STREQ(doc["scripts"]["dev"].GetString(), "next dev --turbopack");
  EXPECT_STREQ(doc["scripts"]["start"].GetString(), "next start");
  EXPECT_TRUE(doc["browserslist"].IsArray());
  EXPECT_EQ(Get(doc, "dependencies", "zustand"), "^5.0.0");
  EXPECT_EQ(Get(doc, "dependencies", "lucide-react"), "latest");
  EXPECT_EQ(merged.dependencies.at("date-fns"), "3.6.0");
}

TEST(PackageJsonTest, WritesDependenciesSorted) {
  MergedPackageJson merged =
      MergeOk(R"({"dependencies": {"zod": "^3", "axios": "^1"}})");
  EXPECT_LT(merged.text.find("\"axios\""), merged.text.find("\"next\""));
  EXPECT_LT(merged.text.find("\"next\""), merged.text.find("\"zod\""));
}

TEST(PackageJsonTest, PinsUnpinnedStackPackages) {
  rapidjson::Document doc = Parse(MergeOk(R"({
    "dependencies": {"next": "latest", "react": "^19.0.0", "react-dom": "*"},
    "devDependencies": {"typescript": "^5", "@types/react": "19.x"}
  })")
                                      .text);
  EXPECT_EQ(Get(doc, "dependencies", "next"), kNextVersion);
  EXPECT_EQ(Get(doc, "dependencies", "react"), kReactVersion);
  EXPECT_EQ(Get(doc, "dependencies", "react-dom"), kReactVersion);
  EXPECT_EQ(Get(doc, "devDependencies", "typescript"), kTypeScriptVersion);
  EXPECT_EQ(Get(doc, "devDependencies", "@types/react"), kTypesReactVersion);
}

TEST(PackageJsonTest, KeepsStackVersionsPinnedOnPurpose) {
  rapidjson::Document doc = Parse(MergeOk(R"({
    "dependencies": {"next": "15.5.4", "react": "canary"},
    "devDependencies": {"typescript": "~5.4.0"}
  })")
                                      .text);
  EXPECT_EQ(Get(doc, "dependencies", "next"), "15.5.4");
  EXPECT_EQ(Get(doc, "dependencies", "react"), "canary");
  EXPECT_EQ(Get(doc, "devDependencies", "typescript"), "~5.4.0");
}

TEST(PackageJsonTest, TailwindFollowsTheCss) {
  rapidjson::Document doc =
      Parse(MergeOk(R"({"devDependencies": {"tailwindcss": "^3.4.1"}})",
                    TailwindMajor::kV4)
                .text);
  EXPECT_EQ(Get(doc, "devDependencies", "tailwindcss"), kTailwind4Version);
  doc = Parse(
      MergeOk(R"({"dependencies": {"tailwindcss": "^4"}})", TailwindMajor::kV3)
          .text);
  EXPECT_EQ(Get(doc, "dependencies", "tailwindcss"), kTailwind3Version);
  EXPECT_EQ(Get(doc, "devDependencies", "tailwindcss"), "<absent>");
}

TEST(PackageJsonTest, ReplacesAnInvalidNameAndVersion) {
  rapidjson::Document doc =
      Parse(MergeOk(R"({"name": "My App!", "version": "one"})").text);
  EXPECT_STREQ(doc["name"].GetString(), "generated-app");
  EXPECT_STREQ(doc["version"].GetString(), "0.1.0");
}

TEST(PackageJsonTest, ADependencyListedTwiceKeepsTheEntryNpmUses) {
  MergedPackageJson merged = MergeOk(R"({
    "dependencies": {"zod": "^3.22.0"},
    "devDependencies": {"zod": "^3.0.0"}
  })");
  rapidjson::Document doc = Parse(merged.text);
  EXPECT_EQ(Get(doc, "devDependencies", "zod"), "<absent>");
  EXPECT_EQ(merged.dependencies.at("zod"), "^3.22.0");
}

TEST(PackageJsonTest, TheLastDuplicateKeyWinsAsInJsonParse) {
  MergedPackageJson merged =
      MergeOk(R"({"dependencies": {"zod": "file:../zod", "zod": "^3.0.0"}})");
  EXPECT_EQ(merged.dependencies.at("zod"), "^3.0.0");
  EXPECT_EQ(merged.text.find("file:"), std::string::npos);
}

TEST(PackageJsonTest, RejectsNonRegistryDependenciesNamingThem) {
  EXPECT_EQ(
      MergePackageJson(R"({"dependencies": {"foo": "file:../foo"}})",
                       TailwindMajor::kV4)
          .status()
          .message(),
      "generated_code[\"package.json\"]: dependency \"foo\": \"file:../foo\" "
      "is not a registry version (local paths are not allowed)");
  for (const char* section : {"dependencies", "devDependencies",
                              "optionalDependencies", "peerDependencies"}) {
    std::string json = std::string("{\"") + section +
                       "\": {\"ui\": \"git+https://github.com/a/ui.git\"}}";
    EXPECT_THAT(MergePackageJson(json, TailwindMajor::kV4).status(),
                IsInvalidArgument("dependency \"ui\""))
        << section;
  }
  EXPECT_THAT(MergePackageJson(R"({"dependencies": {"x": "npm:y@file:z"}})",
                               TailwindMajor::kV4)
                  .status(),
              IsInvalidArgument("dependency \"x\""));
}

TEST(PackageJsonTest, RejectsMalformedDocumentsWithALocation) {
  EXPECT_THAT(
      MergePackageJson("{\n  \"name\": \"x\",\n", TailwindMajor::kV4).status(),
      IsInvalidArgument(
          "generated_code[\"package.json\"]: invalid JSON at line 3"));
  EXPECT_THAT(MergePackageJson("{\"a\": 1,}", TailwindMajor::kV4).status(),
              IsInvalidArgument("invalid JSON"));
  EXPECT_THAT(MergePackageJson("{} {}", TailwindMajor::kV4).status(),
              IsInvalidArgument("invalid JSON"));
  EXPECT_THAT(MergePackageJson("[1]", TailwindMajor::kV4).status(),
              IsInvalidArgument("must be a JSON object"));
  EXPECT_THAT(
      MergePackageJson(R"({"dependencies": ["react"]})", TailwindMajor::kV4)
          .status(),
      IsInvalidArgument("\"dependencies\" must be an object"));
  EXPECT_THAT(
      MergePackageJson(R"({"dependencies": {"react": 19}})", TailwindMajor::kV4)
          .status(),
      IsInvalidArgument("dependency \"react\": the version must be"));
  EXPECT_THAT(MergePackageJson(R"({"scripts": "next dev"})", TailwindMajor::kV4)
                  .status(),
              IsInvalidArgument("\"scripts\" must be an object"));
  EXPECT_THAT(
      MergePackageJson(R"({"workspaces": ["packages/*"]})", TailwindMajor::kV4)
          .status(),
      IsInvalidArgument("\"workspaces\" is not supported"));
  EXPECT_THAT(MergePackageJson(std::string(100, '[') + std::string(100, ']'),
                               TailwindMajor::kV4)
                  .status(),
              IsInvalidArgument("nested deeper"));
}

TEST(PackageJsonTest, ValidatesOverridesAndHashesThemCanonically) {
  MergedPackageJson merged = MergeOk(
      R"({"overrides": {"b": "1.0.0", "a": {"c": "$react", ".": "^2"}}})");
  EXPECT_EQ(merged.overrides, R"({"a":{".":"^2","c":"$react"},"b":"1.0.0"})");
  EXPECT_THAT(MergePackageJson(R"({"overrides": {"a": "https://x/a.tgz"}})",
                               TailwindMajor::kV4)
                  .status(),
              IsInvalidArgument("overrides"));
  EXPECT_THAT(MergePackageJson(R"({"overrides": {"a": 1}})", TailwindMajor::kV4)
                  .status(),
              IsInvalidArgument("must be a string"));
}

TEST(PackageJsonTest, RejectsNumbersTooBigForADouble) {
  EXPECT_THAT(MergePackageJson(R"({"x": 1e999})", TailwindMajor::kV4).status(),
              IsInvalidArgument("Number too big"));
  EXPECT_THAT(MergePackageJson(
                  absl::StrCat(R"({"x": 1)", std::string(400, '0'), "e-10}"),
                  TailwindMajor::kV4)
                  .status(),
              IsInvalidArgument("Number too big"));
}

TEST(PackageJsonTest, RejectsUnpairedSurrogateEscapes) {
  // Found by package_json_fuzzer: the decoded bytes are not UTF-8, so the
  // merged file could not be parsed again.
  EXPECT_THAT(
      MergePackageJson(R"({"name": "a\udec0b"})", TailwindMajor::kV4).status(),
      IsInvalidArgument("Invalid encoding in string"));
  EXPECT_THAT(
      MergePackageJson(R"({"\ud800x": 1})", TailwindMajor::kV4).status(),
      IsInvalidArgument("surrogate pair in string is invalid"));
  // A proper pair is fine.
  EXPECT_TRUE(
      MergePackageJson(R"({"name": "\ud83d\ude00"})", TailwindMajor::kV4).ok());
}

TEST(PackageJsonTest, MergingIsIdempotent) {
  for (const char* json :
       {"{}", R"({"name":"x","dependencies":{"next":"^16","zod":"^3"}})",
        R"({"devDependencies":{"tailwindcss":"^3","postcss":"latest"}})",
        // Found by package_json_fuzzer: a long number must keep its value
        // through a rewrite (rapidjson's fast number path is not exact).
        R"({"veoi":1000002632545239445924221,"f":0.30000000000000004})",
        R"({"z":0e0263,"u":1e-999,"i":-9223372036854775808,)"
        R"("b":18446744073709551615,"n":-0.0})"}) {
    for (TailwindMajor tw : {TailwindMajor::kV3, TailwindMajor::kV4}) {
      MergedPackageJson once = MergeOk(json, tw);
      MergedPackageJson twice = MergeOk(once.text, tw);
      EXPECT_EQ(once.text, twice.text) << json;
      EXPECT_EQ(once.dependencies, twice.dependencies) << json;
    }
  }
}

}  // namespace
}  // namespace sandboxd::scaffold
