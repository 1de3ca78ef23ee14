// Fuzzes the HTML site conversion: URL rewriting of arbitrary markup and the
// conversion of a site whose pages are the input. Must neither crash nor
// blow up the output.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "lib/scaffold/html_site.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string html(reinterpret_cast<const char*>(data), size);
  const std::map<std::string, std::string> routes = {
      {"index.html", "/"}, {"about.html", "/about"}, {"a/b.html", "/a/b"}};
  std::string out =
      sandboxd::scaffold::RewriteHtmlUrls(html, "a/b.html", routes);
  // Each rewritten URL grows by at most a leading slash or a route.
  if (out.size() > 16 * html.size() + 64) std::abort();
  absl::StatusOr<sandboxd::scaffold::ConvertedSite> site =
      sandboxd::scaffold::ConvertHtmlSite(
          {{"index.html", html}, {"docs/guide.html", html}, {"x.css", html}});
  if (!site.ok() || site->files.count("app/route.ts") != 1) std::abort();
  return 0;
}
