#include "lib/scaffold/warm_template.h"

#include <optional>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/scaffold/semver.h"

namespace sandboxd::scaffold {
namespace {

// Pinned like lib/scaffold/stack.h (checked with `npm view <pkg> version`).
constexpr char kLucideReactVersion[] = "1.77.0";
constexpr char kClsxVersion[] = "2.1.1";
constexpr char kFramerMotionVersion[] = "14.14.0";
// tailwind-merge 3 targets Tailwind 4, 2.x Tailwind 3.
constexpr char kTailwindMerge3Version[] = "3.7.0";
constexpr char kTailwindMerge2Version[] = "2.6.1";

constexpr char kPage[] = R"(export default function Page() {
  return (
    <main className="p-8">
      <h1 className="text-2xl font-bold">sandboxd warm template</h1>
    </main>
  );
}
)";

constexpr char kLayout[] = R"(import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = { title: "Generated App" };

export default function RootLayout({
  children,
}: Readonly<{ children: ReactNode }>) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
)";

// Root files the dev server reads once at start (or restarts on).
bool IsStartupConfig(std::string_view path) {
  if (path.find('/') != std::string_view::npos) return false;
  for (std::string_view stem :
       {"next.config.", "postcss.config.", "tailwind.config.", ".postcssrc"}) {
    if (path.starts_with(stem)) return true;
  }
  return path == "tsconfig.json" || path == ".babelrc" ||
         path == "babel.config.js";
}

// Whether the template's pinned `have` serves a project asking for `want`.
bool Accepts(const std::string& want, const std::string& have) {
  if (want == have) return true;
  std::optional<SemVer> version = ParseSemVer(have);
  std::optional<SemVerRange> range = SemVerRange::Parse(want);
  return version.has_value() && range.has_value() && range->Satisfies(*version);
}

}  // namespace

absl::StatusOr<Project> WarmTemplate(TailwindMajor tailwind,
                                     std::string_view generation_token) {
  const bool v3 = tailwind == TailwindMajor::kV3;
  Request request;
  request.mode = Mode::kDev;
  request.generation_token = std::string(generation_token);
  request.generated_code["page.tsx"] = kPage;
  request.generated_code["layout.tsx"] = kLayout;
  request.generated_code["globals.css"] =
      v3 ? "@tailwind base;\n@tailwind components;\n@tailwind utilities;\n"
         : "@import \"tailwindcss\";\n";
  request.generated_code["package.json"] = absl::StrCat(
      R"({"dependencies":{"lucide-react":")", kLucideReactVersion,
      R"(","clsx":")", kClsxVersion, R"(","framer-motion":")",
      kFramerMotionVersion, R"(","tailwind-merge":")",
      v3 ? kTailwindMerge2Version : kTailwindMerge3Version, R"("}})");
  return Assemble(request);
}

std::string MissingDependency(
    const std::map<std::string, std::string>& installed,
    const std::map<std::string, std::string>& wanted) {
  for (const auto& [name, spec] : wanted) {
    auto it = installed.find(name);
    if (it == installed.end()) {
      return absl::StrCat("dependency ", name, " is not installed");
    }
    if (!Accepts(spec, it->second)) {
      return absl::StrCat("dependency ", name, "@", spec,
                          " is not satisfied by the installed ", it->second);
    }
  }
  return "";
}

absl::StatusOr<std::map<std::string, std::string>> DependencyAdditions(
    const std::map<std::string, std::string>& installed,
    const std::map<std::string, std::string>& wanted) {
  std::map<std::string, std::string> additions;
  for (const auto& [name, spec] : wanted) {
    auto it = installed.find(name);
    if (it == installed.end()) {
      additions.emplace(name, spec);
    } else if (!Accepts(spec, it->second)) {
      return absl::FailedPreconditionError(
          absl::StrCat("dependency ", name, "@", spec,
                       " is not satisfied by the installed ", it->second));
    }
  }
  return additions;
}

std::string DescribeAdditions(
    const std::map<std::string, std::string>& additions) {
  std::vector<std::string> names;
  for (const auto& [name, spec] : additions) {
    names.push_back(absl::StrCat(name, "@", spec));
  }
  return absl::StrJoin(names, ", ");
}

WarmFit FitWarm(const Project& warm, const Project& project) {
  std::set<std::string> configs;
  for (const auto* files : {&warm.files, &project.files}) {
    for (const auto& [path, content] : *files) {
      if (IsStartupConfig(path)) configs.insert(path);
    }
  }
  for (const std::string& path : configs) {
    auto a = warm.files.find(path);
    auto b = project.files.find(path);
    if (a == warm.files.end() || b == project.files.end() ||
        a->second != b->second) {
      return {.misfit =
                  absl::StrCat(path, " differs from the warm template's")};
    }
  }
  if (warm.plan.environment != project.plan.environment) {
    return {.misfit = "the app environment differs from the warm template's"};
  }
  if (warm.plan.install_command != project.plan.install_command) {
    return {.misfit = "the install command differs from the warm template's"};
  }
  absl::StatusOr<std::map<std::string, std::string>> additions =
      DependencyAdditions(warm.plan.dependencies, project.plan.dependencies);
  if (!additions.ok()) {
    return {.misfit = std::string(additions.status().message())};
  }
  if (additions->size() > kMaxWarmAdditions) {
    return {.misfit = absl::StrCat(
                additions->size(),
                " dependencies are not in the warm template (at most ",
                kMaxWarmAdditions, " are added to a pooled sandbox)")};
  }
  return {.additions = *std::move(additions)};
}

}  // namespace sandboxd::scaffold
