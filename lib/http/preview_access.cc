#include "lib/http/preview_access.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/auth/preview_token.h"

namespace sandboxd {
namespace {

namespace http = boost::beast::http;

// Splits "name=value" (or a bare "name") into its name and value.
std::pair<absl::string_view, absl::string_view> NameValue(
    absl::string_view pair) {
  size_t eq = pair.find('=');
  if (eq == absl::string_view::npos) return {pair, absl::string_view()};
  return {pair.substr(0, eq), pair.substr(eq + 1)};
}

std::string StripQuery(std::string_view target, std::vector<std::string>& out) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return std::string(target);
  std::string path(target.substr(0, question));
  std::vector<absl::string_view> kept;
  for (absl::string_view item :
       absl::StrSplit(absl::string_view(target.data() + question + 1,
                                        target.size() - question - 1),
                      '&')) {
    auto [name, value] = NameValue(item);
    if (name == auth::kPreviewTokenParam) {
      out.emplace_back(value);
    } else {
      kept.push_back(item);
    }
  }
  if (out.empty()) return std::string(target);
  if (kept.empty()) return path;
  return absl::StrCat(path, "?", absl::StrJoin(kept, "&"));
}

}  // namespace

PreviewCredentials TakePreviewCredentials(http::request_header<>& request) {
  PreviewCredentials credentials;
  const std::string_view target(request.target().data(),
                                request.target().size());
  std::string stripped = StripQuery(target, credentials.url_tokens);
  if (!credentials.url_tokens.empty()) request.target(stripped);

  std::vector<std::string> kept;
  bool found = false;
  for (const auto& field : request) {
    if (field.name() != http::field::cookie) continue;
    for (absl::string_view pair : absl::StrSplit(
             absl::string_view(field.value().data(), field.value().size()),
             ';')) {
      absl::string_view trimmed = absl::StripAsciiWhitespace(pair);
      if (trimmed.empty()) continue;
      auto [name, value] = NameValue(trimmed);
      if (name == auth::kPreviewCookieName) {
        credentials.cookie_tokens.emplace_back(value);
        found = true;
      } else {
        kept.emplace_back(trimmed);
      }
    }
  }
  if (found) {
    request.erase(http::field::cookie);
    if (!kept.empty())
      request.set(http::field::cookie, absl::StrJoin(kept, "; "));
  }
  return credentials;
}

std::string PreviewSetCookie(std::string_view token, absl::Duration max_age,
                             bool secure) {
  return absl::StrCat(auth::kPreviewCookieName, "=", std::string(token),
                      "; Max-Age=", absl::ToInt64Seconds(max_age),
                      "; Path=/; HttpOnly",
                      secure ? "; SameSite=None; Secure" : "; SameSite=Lax");
}

}  // namespace sandboxd
