// lib/scaffold: converts a plain HTML/CSS/JS site into a NextJS app router
// project. Each page becomes a statically rendered route handler that serves
// the original document (so its scripts run exactly as before), links
// between pages point at the new routes, relative asset URLs become
// absolute paths into public/, and the old `.html` URLs are rewritten to the
// routes. Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_HTML_SITE_H_
#define SANDBOXD_LIB_SCAFFOLD_HTML_SITE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/scaffold/templates.h"

namespace sandboxd::scaffold {

struct ConvertedSite {
  std::map<std::string, std::string> files;  // app/**/route.ts, public/**, ...
  std::vector<Rewrite> rewrites;             // "/about.html" -> "/about"
};

// INVALID_ARGUMENT when two pages map to the same route, naming both.
// `with_generation_marker`: each route handler also puts the generation
// token of app/sandboxd-generation.ts (lib/scaffold/generation.h) into its
// document's <head>, since the app router's template.tsx, which carries it
// for pages, does not wrap route handlers.
absl::StatusOr<ConvertedSite> ConvertHtmlSite(
    const std::map<std::string, std::string>& files,
    bool with_generation_marker = false);

// Rewrites the URL attributes (href, src, action, poster) of the HTML
// document at `html_path`: relative URLs are resolved against its folder;
// URLs of pages (keys of `page_routes`, project paths) become their routes;
// other local URLs become absolute paths. Comments and the contents of
// script/style elements are left alone.
std::string RewriteHtmlUrls(
    absl::string_view html, absl::string_view html_path,
    const std::map<std::string, std::string>& page_routes);

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_HTML_SITE_H_
