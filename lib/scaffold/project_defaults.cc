#include "lib/scaffold/project_defaults.h"

#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/common/status_macros.h"
#include "lib/scaffold/json_util.h"
#include "lib/scaffold/path_validator.h"

namespace sandboxd::scaffold {
namespace {

constexpr const char* kLockfiles[] = {
    "package-lock.json", "npm-shrinkwrap.json",
    "yarn.lock",         "pnpm-lock.yaml",
    "bun.lock",          "bun.lockb"};
constexpr const char* kPostCssConfigs[] = {
    "postcss.config.js",   "postcss.config.cjs", "postcss.config.mjs",
    "postcss.config.ts",   "postcss.config.cts", "postcss.config.mts",
    "postcss.config.json", ".postcssrc",         ".postcssrc.json",
    ".postcssrc.js",       ".postcssrc.cjs",     ".postcssrc.mjs",
    ".postcssrc.yaml",     ".postcssrc.yml"};
constexpr std::initializer_list<absl::string_view> kConfigExtensions = {
    ".js", ".cjs", ".mjs", ".ts", ".cts", ".mts"};
constexpr std::initializer_list<absl::string_view> kSourceExtensions = {
    ".js", ".jsx", ".ts", ".tsx", ".mdx", ".html"};

bool HasConfig(const FileMap& files, absl::string_view stem) {
  for (absl::string_view ext : kConfigExtensions) {
    if (files.count(absl::StrCat(stem, ext)) > 0) return true;
  }
  return false;
}

// "a/b/../c/./d" -> "a/c/d"; empty when it climbs out of the project.
std::string Normalize(absl::string_view path) {
  std::vector<std::string> parts;
  for (absl::string_view seg : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (seg == ".") continue;
    if (seg == "..") {
      if (parts.empty()) return "";
      parts.pop_back();
      continue;
    }
    parts.emplace_back(seg);
  }
  return absl::StrJoin(parts, "/");
}

// The project paths of the stylesheets `module` imports for side effects
// (`import "./globals.css"`), resolving "./", "../" and the "@/" alias.
std::vector<std::string> CssImports(absl::string_view module,
                                    absl::string_view module_dir,
                                    absl::string_view alias_dir) {
  std::vector<std::string> out;
  for (size_t pos = module.find("import"); pos != absl::string_view::npos;
       pos = module.find("import", pos + 6)) {
    size_t q = pos + 6;
    while (q < module.size() && (module[q] == ' ' || module[q] == '\t')) ++q;
    if (q >= module.size() || (module[q] != '"' && module[q] != '\'')) continue;
    size_t end = module.find(module[q], q + 1);
    if (end == absl::string_view::npos) break;
    absl::string_view spec = module.substr(q + 1, end - q - 1);
    if (!absl::EndsWith(spec, ".css")) continue;
    std::string resolved;
    if (absl::StartsWith(spec, "./") || absl::StartsWith(spec, "../")) {
      resolved = Normalize(absl::StrCat(module_dir, "/", spec));
    } else if (absl::ConsumePrefix(&spec, "@/")) {
      resolved = Normalize(absl::StrCat(alias_dir, "/", spec));
    }
    if (!resolved.empty()) out.push_back(resolved);
  }
  return out;
}

void AddLayoutAndCss(const AppLayout& layout, TailwindMajor tailwind,
                     FileMap* files) {
  if (layout.app_dir.empty()) return;
  std::string existing =
      FindModule(*files, absl::StrCat(layout.app_dir, "/layout"));
  std::vector<std::string> stylesheets;
  if (existing.empty()) {
    (*files)[absl::StrCat(layout.app_dir, "/layout.tsx")] =
        RootLayoutTemplate();
    stylesheets.push_back(absl::StrCat(layout.app_dir, "/globals.css"));
  } else {
    stylesheets =
        CssImports(files->at(existing), layout.app_dir, layout.alias_dir);
  }
  for (const std::string& css : stylesheets) {
    if (files->count(css) == 0) (*files)[css] = GlobalsCssTemplate(tailwind);
  }
}

bool PostCssWiresTailwind(absl::string_view config, TailwindMajor tailwind) {
  const bool v4_plugin = absl::StrContains(config, "@tailwindcss/postcss");
  if (tailwind == TailwindMajor::kV4) return v4_plugin;
  return !v4_plugin && absl::StrContains(config, "tailwindcss");
}

void AddPostCss(TailwindMajor tailwind, FileMap* files) {
  for (const char* name : kPostCssConfigs) {
    auto it = files->find(name);
    if (it != files->end() && PostCssWiresTailwind(it->second, tailwind)) {
      return;
    }
  }
  for (const char* name : kPostCssConfigs) files->erase(name);
  (*files)["postcss.config.mjs"] = PostCssConfigTemplate(tailwind);
}

void AddTailwindConfig(FileMap* files) {
  if (HasConfig(*files, "tailwind.config")) return;
  std::set<std::string> dirs = {".", "app", "components", "lib", "src"};
  for (const auto& [path, content] : *files) {
    size_t slash = path.find('/');
    if (slash == std::string::npos || !HasExtension(path, kSourceExtensions)) {
      continue;
    }
    std::string top = path.substr(0, slash);
    if (top != "public") dirs.insert(top);
  }
  (*files)["tailwind.config.ts"] = TailwindConfigTemplate(
      std::vector<std::string>(dirs.begin(), dirs.end()));
}

absl::Status CheckOrAddTsConfig(const AppLayout& layout, FileMap* files) {
  auto it = files->find("tsconfig.json");
  if (it == files->end()) {
    (*files)["tsconfig.json"] = TsConfigTemplate(layout.alias_dir);
    return absl::OkStatus();
  }
  rapidjson::Document doc;
  absl::Status parsed = ParseJson(it->second, /*jsonc=*/true, &doc);
  if (!parsed.ok()) return Annotate(parsed, CodeField("tsconfig.json"));
  if (!doc.IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat(CodeField("tsconfig.json"), ": must be a JSON object"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RemoveNpmControlFiles(FileMap* files) {
  if (files->count(".npmrc") > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(CodeField(".npmrc"),
                     ": npm configuration is not allowed (the registry and "
                     "install flags are fixed)"));
  }
  for (const char* lockfile : kLockfiles) files->erase(lockfile);
  return absl::OkStatus();
}

absl::Status AddProjectDefaults(const AppLayout& layout, TailwindMajor tailwind,
                                const std::vector<Rewrite>& rewrites,
                                FileMap* files) {
  AddLayoutAndCss(layout, tailwind, files);
  AddPostCss(tailwind, files);
  if (tailwind == TailwindMajor::kV3) AddTailwindConfig(files);
  if (!HasConfig(*files, "next.config")) {
    (*files)["next.config.mjs"] = NextConfigTemplate(rewrites);
  }
  RETURN_IF_ERROR(CheckOrAddTsConfig(layout, files));
  if (files->count(".gitignore") == 0) {
    (*files)[".gitignore"] = GitignoreTemplate();
  }
  return absl::OkStatus();
}

}  // namespace sandboxd::scaffold
