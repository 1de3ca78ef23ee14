// lib/scaffold: the generation marker and the route list of an assembled
// project. The marker lets a provider tell which batch of generated files a
// running app serves: <app_dir>/sandboxd-generation.ts exports a token and a
// root template (<app_dir>/template.tsx, wrapping the project's own template
// if it has one) renders it as <meta name="sandboxd-generation">. Writing
// that module last and waiting for its token in the HTML proves the dev
// server compiled the new files (a bare 200 does not: Next 16 often answers
// the first request after a write with the old page). Pure; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_GENERATION_H_
#define SANDBOXD_LIB_SCAFFOLD_GENERATION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/scaffold/project_layout.h"

namespace sandboxd::scaffold {

// File name of the module that holds the token. Providers write it after
// every other file of a batch.
inline constexpr char kGenerationModuleName[] = "sandboxd-generation.ts";
// The `name` of the <meta> element that carries the token.
inline constexpr char kGenerationMetaName[] = "sandboxd-generation";

// INVALID_ARGUMENT unless `token` is 1-100 of [A-Za-z0-9._-].
absl::Status ValidateGenerationToken(absl::string_view token);

// Adds the marker files for `token` to an app-router project (no-op for a
// pages/-only project, which has no app folder: returns false). A template
// the project brings (`<app_dir>/template.{tsx,jsx,ts,js}`) moves to
// `<app_dir>/sandboxd-user-template.<ext>` and is rendered inside ours.
bool AddGenerationMarker(const AppLayout& layout, absl::string_view token,
                         FileMap* files);

// The URL paths of the app's static pages ("/", "/about", ...), sorted:
// route groups `(name)` vanish, and routes with dynamic (`[id]`), parallel
// (`@slot`), intercepting (`(.)`) or private (`_name`) segments are left out.
std::vector<std::string> StaticRoutes(const AppLayout& layout,
                                      const FileMap& files);

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_GENERATION_H_
