// RewriteHtmlUrls (declared in html_site.h): a small HTML tokenizer that only
// understands what it needs to find attribute values.
#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/scaffold/html_site.h"

namespace sandboxd::scaffold {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool HasScheme(absl::string_view url) {
  if (url.empty() || !absl::ascii_isalpha(url[0])) return false;
  for (char c : url) {
    if (c == ':') return true;
    if (!absl::ascii_isalnum(c) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return false;
}

// Resolves `path` (relative to `base_dir`, or absolute) to a project path
// without a leading slash; ".." above the root stays at the root, as in a
// browser. A trailing slash is kept.
std::string ResolvePath(absl::string_view base_dir, absl::string_view path) {
  std::vector<std::string> parts;
  if (!absl::StartsWith(path, "/") && !base_dir.empty()) {
    parts = absl::StrSplit(base_dir, '/');
  }
  const bool trailing = absl::EndsWith(path, "/") || path == "." ||
                        absl::EndsWith(path, "/.") || path == ".." ||
                        absl::EndsWith(path, "/..");
  for (absl::string_view seg : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (seg == ".") continue;
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.emplace_back(seg);
  }
  std::string out = absl::StrJoin(parts, "/");
  if (trailing && !out.empty()) out += "/";
  return out;
}

// The new value of one URL attribute, or the old one when it is not local.
std::string RewriteUrl(absl::string_view value, absl::string_view base_dir,
                       const std::map<std::string, std::string>& routes) {
  absl::string_view url = absl::StripAsciiWhitespace(value);
  if (url.empty() || url[0] == '#' || url[0] == '?' || HasScheme(url) ||
      absl::StartsWith(url, "//") || absl::StrContains(url, "{{")) {
    return std::string(value);
  }
  size_t cut = url.find_first_of("?#");
  absl::string_view path = url.substr(0, cut);
  absl::string_view suffix =
      cut == absl::string_view::npos ? "" : url.substr(cut);
  std::string resolved = ResolvePath(base_dir, path);
  std::string page = resolved.empty() || absl::EndsWith(resolved, "/")
                         ? absl::StrCat(resolved, "index.html")
                         : resolved;
  auto it = routes.find(page);
  if (it == routes.end() && !absl::EndsWith(resolved, "/")) {
    it = routes.find(absl::StrCat(resolved, "/index.html"));
  }
  if (it != routes.end()) return absl::StrCat(it->second, suffix);
  return absl::StrCat("/", resolved, suffix);
}

bool IsUrlAttribute(absl::string_view lower_name) {
  return lower_name == "href" || lower_name == "src" ||
         lower_name == "action" || lower_name == "poster";
}

bool IsRawTextElement(absl::string_view lower_name) {
  return lower_name == "script" || lower_name == "style" ||
         lower_name == "textarea" || lower_name == "title";
}

// Copies the attribute starting at html[j] (name, optional `= value`) into
// `out`, rewriting the value of URL attributes; returns the index after it.
size_t CopyAttribute(absl::string_view html, size_t j, absl::string_view base,
                     const std::map<std::string, std::string>& routes,
                     std::string* out) {
  const size_t n = html.size();
  const size_t name_start = j;
  while (j < n && !IsSpace(html[j]) && html[j] != '=' && html[j] != '>' &&
         html[j] != '/') {
    ++j;
  }
  const std::string attr =
      absl::AsciiStrToLower(html.substr(name_start, j - name_start));
  size_t k = j;
  while (k < n && IsSpace(html[k])) ++k;
  if (k >= n || html[k] != '=') {
    absl::StrAppend(out, html.substr(name_start, j - name_start));
    return j;
  }
  ++k;
  while (k < n && IsSpace(html[k])) ++k;
  absl::StrAppend(out, html.substr(name_start, k - name_start));
  char quote = k < n ? html[k] : '\0';
  size_t value_start = k, value_end;
  if (quote == '"' || quote == '\'') {
    value_start = k + 1;
    value_end = std::min(html.find(quote, value_start), n);
  } else {
    quote = '\0';
    value_end = k;
    while (value_end < n && !IsSpace(html[value_end]) &&
           html[value_end] != '>') {
      ++value_end;
    }
  }
  absl::string_view value = html.substr(value_start, value_end - value_start);
  if (quote != '\0') out->push_back(quote);
  out->append(IsUrlAttribute(attr) ? RewriteUrl(value, base, routes)
                                   : std::string(value));
  if (quote == '\0') return value_end;
  if (value_end < n) out->push_back(quote);
  return std::min(value_end + 1, n);
}

// Copies one start tag beginning at html[i] == '<' into `out`, rewriting URL
// attributes, and returns the index after it. Sets `name` to its tag name.
size_t CopyStartTag(absl::string_view html, size_t i, absl::string_view base,
                    const std::map<std::string, std::string>& routes,
                    std::string* name, std::string* out) {
  const size_t n = html.size();
  size_t j = i + 1;
  while (j < n && !IsSpace(html[j]) && html[j] != '>' && html[j] != '/') ++j;
  *name = absl::AsciiStrToLower(html.substr(i + 1, j - i - 1));
  absl::StrAppend(out, html.substr(i, j - i));
  while (j < n && html[j] != '>') {
    if (IsSpace(html[j]) || html[j] == '/') {
      out->push_back(html[j++]);
    } else {
      j = CopyAttribute(html, j, base, routes, out);
    }
  }
  if (j < n) out->push_back(html[j++]);
  return j;
}

// Raw text runs to the matching end tag, in any case.
size_t FindEndTag(absl::string_view html, size_t from, absl::string_view name) {
  for (size_t pos = html.find("</", from); pos != absl::string_view::npos;
       pos = html.find("</", pos + 2)) {
    if (absl::EqualsIgnoreCase(html.substr(pos + 2, name.size()), name)) {
      return pos;
    }
  }
  return html.size();
}

}  // namespace

std::string RewriteHtmlUrls(
    absl::string_view html, absl::string_view html_path,
    const std::map<std::string, std::string>& page_routes) {
  size_t slash = html_path.rfind('/');
  absl::string_view base =
      slash == absl::string_view::npos ? "" : html_path.substr(0, slash);
  std::string out;
  out.reserve(html.size() + html.size() / 16);
  const size_t n = html.size();
  size_t i = 0;
  while (i < n) {
    if (html.substr(i, 4) == "<!--") {
      size_t end = html.find("-->", i + 4);
      end = end == absl::string_view::npos ? n : end + 3;
      absl::StrAppend(&out, html.substr(i, end - i));
      i = end;
      continue;
    }
    if (html[i] != '<' || i + 1 >= n || !absl::ascii_isalpha(html[i + 1])) {
      out.push_back(html[i++]);
      continue;
    }
    std::string name;
    i = CopyStartTag(html, i, base, page_routes, &name, &out);
    if (!IsRawTextElement(name)) continue;
    size_t end = FindEndTag(html, i, name);
    absl::StrAppend(&out, html.substr(i, end - i));
    i = end;
  }
  return out;
}

}  // namespace sandboxd::scaffold
