// lib/scaffold: recognizes the shape of generated code (the frontend's bare
// `page.tsx`/`layout.tsx`/`globals.css`, full NextJS project paths, or a
// plain HTML site), finds the app router folder and the page for "/", and
// decides the Tailwind major from the CSS. Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_PROJECT_LAYOUT_H_
#define SANDBOXD_LIB_SCAFFOLD_PROJECT_LAYOUT_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/scaffold/stack.h"

namespace sandboxd::scaffold {

using FileMap = std::map<std::string, std::string>;

// True when the code is a plain HTML site: it has `.html` files outside
// public/ and no NextJS page (app/, src/app/, pages/, or a bare page.tsx).
bool IsHtmlSite(const FileMap& files);

// The frontend's shape: root-level `page.tsx`, `layout.tsx`, `globals.css`
// and the root-level modules they import move into app/ (also when app/
// already holds other routes, as long as it has no page or layout of its
// own; a module whose app/ twin exists stays put). Other shapes are
// returned unchanged.
FileMap RelocateBareKeys(FileMap files);

struct AppLayout {
  std::string app_dir;    // "app" or "src/app"; empty for pages/ only
  std::string alias_dir;  // what `@/*` maps to: "." or "src"
};

// Finds the app router folder and checks that something serves "/".
// INVALID_ARGUMENT "generated_code: no page for \"/\" (...)".
absl::StatusOr<AppLayout> FindAppLayout(const FileMap& files);

// Tailwind 3 for `@tailwind` directives, Tailwind 4 for `@import
// "tailwindcss"` (or other v4-only at-rules) and when no CSS uses Tailwind.
// INVALID_ARGUMENT when the CSS mixes both.
absl::StatusOr<TailwindMajor> DetectTailwind(const FileMap& files);

// Files ending in one of `extensions` (e.g. {".tsx", ".ts"}).
bool HasExtension(absl::string_view path,
                  std::initializer_list<absl::string_view> extensions);

// The first of `<base>.<ext>` for the NextJS module extensions that exists
// in `files`, or empty.
std::string FindModule(const FileMap& files, absl::string_view base);

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_PROJECT_LAYOUT_H_
