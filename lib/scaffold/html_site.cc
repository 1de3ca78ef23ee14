#include "lib/scaffold/html_site.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/scaffold/generation.h"
#include "lib/scaffold/json_util.h"
#include "lib/scaffold/path_validator.h"
#include "lib/scaffold/project_layout.h"

namespace sandboxd::scaffold {
namespace {

// Root-level files that configure the project and stay where they are; every
// other non-page file is a static asset and moves into public/.
bool IsProjectFile(absl::string_view path) {
  if (path.find('/') != absl::string_view::npos) return false;
  for (absl::string_view prefix :
       {"next.config.", "tailwind.config.", "postcss.config."}) {
    if (absl::StartsWith(path, prefix)) return true;
  }
  return path == "package.json" || path == "tsconfig.json" ||
         path == ".gitignore";
}

bool IsPage(absl::string_view path) {
  return !absl::StartsWith(path, "public/") &&
         HasExtension(path, {".html", ".htm"});
}

// A folder name the app router routes as a plain segment: no private
// (`_x`), group, dynamic or parallel markers, nothing to escape in URLs.
std::string Slug(absl::string_view segment) {
  std::string out;
  for (char c : segment) {
    out.push_back(absl::ascii_isalnum(c) || c == '-' || c == '.' ? c : '-');
  }
  if (out.empty()) return "page";
  if (out[0] == '.') out[0] = '-';
  return out;
}

std::string RouteFor(absl::string_view html_path) {
  absl::string_view stem = html_path.substr(0, html_path.rfind('.'));
  std::vector<std::string> segments;
  for (absl::string_view seg : absl::StrSplit(stem, '/')) {
    segments.push_back(Slug(seg));
  }
  if (segments.back() == "index") segments.pop_back();
  return absl::StrCat("/", absl::StrJoin(segments, "/"));
}

std::string RouteFile(absl::string_view route) {
  return route == "/" ? "app/route.ts"
                      : absl::StrCat("app", route, "/route.ts");
}

// `route` is where it serves ("/", "/about"): its module sits that many
// folders below app/, the generation module's folder.
std::string RouteModule(absl::string_view source_path, absl::string_view html,
                        absl::string_view route, bool with_marker) {
  std::string imports;
  std::string body = "html";
  if (with_marker) {
    std::string up = "./";
    if (route != "/") {
      up.clear();
      for (char c : route) {
        if (c == '/') up += "../";
      }
    }
    std::string module = kGenerationModuleName;
    module.resize(module.size() - 3);  // without ".ts"
    imports =
        absl::StrCat("import { generation } from \"", up, module, "\";\n");
    body = "marked";
  }
  return absl::StrCat(
      "// Serves ", JsonQuote(source_path),
      " from the generated HTML site, unchanged except for its links.\n",
      imports,
      "export const dynamic = \"force-static\";\n\n"
      "const html = ",
      JsonQuote(html), ";\n",
      with_marker
          ? absl::StrCat("// Added by sandboxd: the generation being served.\n"
                         "const meta = `<meta name=\"",
                         kGenerationMetaName,
                         "\" content=\"${generation}\">`;\n"
                         "const head = /<head(\\s[^>]*)?>/i;\n"
                         "const marked = head.test(html)\n"
                         "  ? html.replace(head, (tag) => tag + meta)\n"
                         "  : meta + html;\n")
          : "",
      "\n"
      "export function GET(): Response {\n"
      "  return new Response(",
      body,
      ", {\n"
      "    headers: { \"content-type\": \"text/html; charset=utf-8\" },\n"
      "  });\n"
      "}\n");
}

// Only plain paths are safe as next.config rewrite sources (path-to-regexp
// gives `:`, `(`, `*`, `+`, `?` meaning).
bool IsPlainUrlPath(absl::string_view path) {
  for (char c : path) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '.' && c != '_' &&
        c != '/') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::map<std::string, std::string>> MapPages(
    const std::map<std::string, std::string>& files) {
  std::map<std::string, std::string> pages;        // html path -> route
  std::map<std::string, std::string> route_owner;  // route -> html path
  for (const auto& [path, content] : files) {
    if (!IsPage(path)) continue;
    std::string route = RouteFor(path);
    auto [it, inserted] = route_owner.emplace(route, path);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(CodeField(path), ": serves the same route \"", route,
                       "\" as \"", it->second, "\""));
    }
    pages[path] = route;
  }
  if (route_owner.count("/") == 0) {
    if (pages.size() != 1) {
      return absl::InvalidArgumentError(
          "generated_code: no page for \"/\" (a site with several pages "
          "needs an index.html)");
    }
    pages.begin()->second.assign(
        1, '/');  // GCC 12 -Wrestrict false positive on = "/"
  }
  return pages;
}

}  // namespace

absl::StatusOr<ConvertedSite> ConvertHtmlSite(
    const std::map<std::string, std::string>& files,
    bool with_generation_marker) {
  absl::StatusOr<std::map<std::string, std::string>> pages = MapPages(files);
  if (!pages.ok()) return pages.status();
  ConvertedSite site;
  for (const auto& [path, content] : files) {
    std::string target;
    std::string body;
    auto page = pages->find(path);
    if (page != pages->end()) {
      target = RouteFile(page->second);
      body = RouteModule(path, RewriteHtmlUrls(content, path, *pages),
                         page->second, with_generation_marker);
      std::string old_url = absl::StrCat("/", path);
      if (IsPlainUrlPath(old_url) && old_url != page->second) {
        site.rewrites.emplace_back(old_url, page->second);
      }
    } else if (IsProjectFile(path) || absl::StartsWith(path, "public/")) {
      target = path;
      body = content;
    } else {
      target = absl::StrCat("public/", path);
      body = content;
    }
    if (!site.files.emplace(target, std::move(body)).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          CodeField(path), ": clashes with another file at \"", target, "\""));
    }
  }
  return site;
}

}  // namespace sandboxd::scaffold
