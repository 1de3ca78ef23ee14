// lib/scaffold: the default files an assembled project gets when the
// generated code lacks them (root layout, globals.css, PostCSS, Tailwind,
// Next and TypeScript configs, .gitignore). Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_TEMPLATES_H_
#define SANDBOXD_LIB_SCAFFOLD_TEMPLATES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/scaffold/stack.h"

namespace sandboxd::scaffold {

// app/layout.tsx importing "./globals.css".
std::string RootLayoutTemplate();

// globals.css with the Tailwind entry points for `tailwind`.
std::string GlobalsCssTemplate(TailwindMajor tailwind);

// postcss.config.mjs wiring Tailwind (and Autoprefixer for v3).
std::string PostCssConfigTemplate(TailwindMajor tailwind);

// tailwind.config.ts (v3 only) scanning `content_dirs` (relative folders,
// "." for root-level files).
std::string TailwindConfigTemplate(
    const std::vector<std::string>& content_dirs);

// A (source, destination) URL rewrite for next.config.
using Rewrite = std::pair<std::string, std::string>;

// next.config.mjs: unoptimized images (sandboxes have no egress at run time),
// turbopack's build cache (seeded by the local provider) and the given
// rewrites.
std::string NextConfigTemplate(const std::vector<Rewrite>& rewrites);

// tsconfig.json as Next 16 wants it (so `next build` does not rewrite it),
// with `@/*` mapped to `alias_dir`.
std::string TsConfigTemplate(absl::string_view alias_dir);

std::string GitignoreTemplate();

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_TEMPLATES_H_
