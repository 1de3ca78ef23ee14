#include "lib/scaffold/project_layout.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/scaffold/path_validator.h"

namespace sandboxd::scaffold {
namespace {

constexpr std::initializer_list<absl::string_view> kModuleExtensions = {
    ".tsx", ".ts", ".jsx", ".js"};

// Root-level files that configure tools rather than belong to the app, so
// they stay at the root when the bare shape moves the rest into app/.
bool IsRootConfigFile(absl::string_view name) {
  for (absl::string_view prefix :
       {"next.config.", "tailwind.config.", "postcss.config.", "middleware.",
        "proxy.", "instrumentation.", "eslint.config.", "prettier.config.",
        "jest.config.", "vitest.config.", "components.json"}) {
    if (absl::StartsWith(name, prefix)) return true;
  }
  return absl::EndsWith(name, ".d.ts") || absl::StartsWith(name, ".");
}

bool IsUnder(absl::string_view path, absl::string_view dir) {
  return absl::StartsWith(path, dir) && path.size() > dir.size() &&
         path[dir.size()] == '/';
}

bool HasFileUnder(const FileMap& files, absl::string_view dir) {
  std::string prefix = absl::StrCat(dir, "/");
  auto it = files.lower_bound(prefix);
  return it != files.end() && absl::StartsWith(it->first, prefix);
}

bool IsBareShape(const FileMap& files) {
  if (HasFileUnder(files, "src/app")) return false;
  if (FindModule(files, "page").empty() &&
      FindModule(files, "layout").empty()) {
    return false;
  }
  // app/ may hold routes added next to the bare root page (an iterative
  // edit adding app/about/page.tsx), but not a root page or layout of its own.
  return FindModule(files, "app/page").empty() &&
         FindModule(files, "app/layout").empty();
}

// Route groups `(name)` and an optional catch-all `[[...x]]` still serve "/".
bool ServesRoot(absl::string_view relative_dir) {
  if (relative_dir.empty()) return true;
  for (absl::string_view segment : absl::StrSplit(relative_dir, '/')) {
    const bool group =
        absl::StartsWith(segment, "(") && absl::EndsWith(segment, ")");
    const bool optional_catch_all =
        absl::StartsWith(segment, "[[...") && absl::EndsWith(segment, "]]");
    if (!group && !optional_catch_all) return false;
  }
  return true;
}

bool HasRootPage(const FileMap& files, absl::string_view app_dir) {
  std::string prefix = absl::StrCat(app_dir, "/");
  for (auto it = files.lower_bound(prefix);
       it != files.end() && absl::StartsWith(it->first, prefix); ++it) {
    absl::string_view rel = absl::string_view(it->first).substr(prefix.size());
    size_t slash = rel.rfind('/');
    absl::string_view dir =
        slash == absl::string_view::npos ? "" : rel.substr(0, slash);
    absl::string_view name =
        slash == absl::string_view::npos ? rel : rel.substr(slash + 1);
    bool is_page = false;
    for (absl::string_view ext : kModuleExtensions) {
      is_page = is_page || name == absl::StrCat("page", ext) ||
                name == absl::StrCat("route", ext);
    }
    if (is_page && ServesRoot(dir)) return true;
  }
  return false;
}

std::string StripCssComments(absl::string_view css) {
  std::string out;
  out.reserve(css.size());
  for (size_t i = 0; i < css.size(); ++i) {
    if (css.substr(i, 2) == "/*") {
      size_t end = css.find("*/", i + 2);
      if (end == absl::string_view::npos) break;
      i = end + 1;
      continue;
    }
    out.push_back(css[i]);
  }
  return out;
}

bool UsesTailwind3(absl::string_view css) {
  for (absl::string_view d :
       {"@tailwind base", "@tailwind components", "@tailwind utilities",
        "@tailwind variants", "@tailwind screens"}) {
    if (absl::StrContains(css, d)) return true;
  }
  return false;
}

bool UsesTailwind4(absl::string_view css) {
  for (absl::string_view d :
       {"@import \"tailwindcss", "@import 'tailwindcss", "@theme ", "@theme{",
        "@custom-variant ", "@plugin \"", "@plugin '", "@source \"",
        "@source '", "@utility "}) {
    if (absl::StrContains(css, d)) return true;
  }
  return false;
}

}  // namespace

bool HasExtension(absl::string_view path,
                  std::initializer_list<absl::string_view> extensions) {
  for (absl::string_view ext : extensions) {
    if (absl::EndsWith(path, ext)) return true;
  }
  return false;
}

std::string FindModule(const FileMap& files, absl::string_view base) {
  for (absl::string_view ext : kModuleExtensions) {
    std::string path = absl::StrCat(base, ext);
    if (files.count(path) > 0) return path;
  }
  return "";
}

bool IsHtmlSite(const FileMap& files) {
  if (IsBareShape(files) || HasFileUnder(files, "app") ||
      HasFileUnder(files, "src/app") || HasFileUnder(files, "pages") ||
      HasFileUnder(files, "src/pages")) {
    return false;
  }
  for (const auto& [path, content] : files) {
    if (!IsUnder(path, "public") && HasExtension(path, {".html", ".htm"})) {
      return true;
    }
  }
  return false;
}

FileMap RelocateBareKeys(FileMap files) {
  if (!IsBareShape(files)) return files;
  FileMap out;
  for (auto& [path, content] : files) {
    const bool root_level = path.find('/') == std::string::npos;
    const bool app_module = HasExtension(
        path,
        {".tsx", ".ts", ".jsx", ".js", ".mjs", ".css", ".mdx", ".module.css"});
    const std::string target = absl::StrCat("app/", path);
    // A bare module whose app/ twin exists stays put rather than replace it.
    if (root_level && app_module && !IsRootConfigFile(path) &&
        files.count(target) == 0) {
      out[target] = std::move(content);
    } else {
      out[path] = std::move(content);
    }
  }
  return out;
}

absl::StatusOr<AppLayout> FindAppLayout(const FileMap& files) {
  AppLayout layout;
  if (HasFileUnder(files, "app")) {
    layout = {"app", "."};
  } else if (HasFileUnder(files, "src/app")) {
    layout = {"src/app", "src"};
  } else if (HasFileUnder(files, "src/pages")) {
    layout = {"", "src"};
  } else {
    layout = {"", "."};
  }
  const bool root =
      (!layout.app_dir.empty() && HasRootPage(files, layout.app_dir)) ||
      !FindModule(files, "pages/index").empty() ||
      !FindModule(files, "src/pages/index").empty();
  if (!root) {
    return absl::InvalidArgumentError(
        "generated_code: no page for \"/\" (expected page.tsx, app/page.tsx, "
        "src/app/page.tsx, pages/index.tsx or index.html)");
  }
  return layout;
}

absl::StatusOr<TailwindMajor> DetectTailwind(const FileMap& files) {
  std::string v3_file, v4_file;
  for (const auto& [path, content] : files) {
    if (!absl::EndsWith(path, ".css") || IsUnder(path, "public")) continue;
    std::string css = StripCssComments(content);
    if (v3_file.empty() && UsesTailwind3(css)) v3_file = path;
    if (v4_file.empty() && UsesTailwind4(css)) v4_file = path;
  }
  if (!v3_file.empty() && !v4_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        CodeField(v3_file), ": uses Tailwind 3 \"@tailwind\" directives but ",
        CodeField(v4_file),
        " uses Tailwind 4 (\"@import \\\"tailwindcss\\\"\");", " pick one"));
  }
  return v3_file.empty() ? TailwindMajor::kV4 : TailwindMajor::kV3;
}

}  // namespace sandboxd::scaffold
