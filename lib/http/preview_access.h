// The preview proxy's credential handling (lib/http/preview_proxy.h): takes
// sandboxd's preview token parameter and cookie out of a request, so they
// can be checked and never reach the app, and spells the cookie that a URL
// token is traded for. Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_HTTP_PREVIEW_ACCESS_H_
#define SANDBOXD_LIB_HTTP_PREVIEW_ACCESS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "boost/beast/http/message.hpp"

namespace sandboxd {

struct PreviewCredentials {
  // Values of auth::kPreviewTokenParam in the query, in order.
  std::vector<std::string> url_tokens;
  // Values of auth::kPreviewCookieName cookies, in order (a browser may send
  // a stale one next to a fresh one).
  std::vector<std::string> cookie_tokens;
};

// Removes every kPreviewTokenParam query parameter from the target (the
// other parameters keep their order and spelling; a query left empty loses
// its "?") and every kPreviewCookieName cookie from the Cookie fields (the
// others are joined into one field, dropped if none remain). Returns what
// was removed.
PreviewCredentials TakePreviewCredentials(
    boost::beast::http::request_header<>& request);

// The Set-Cookie value for a cookie token: host-only (no Domain), the whole
// host (Path=/), out of scripts' reach (HttpOnly). `secure`: SameSite=None;
// Secure, so the preview works inside another site's iframe (browsers take
// http://*.localhost as secure); otherwise SameSite=Lax without Secure, for
// previews served over plain http on a real domain (top-level visits only).
std::string PreviewSetCookie(std::string_view token, absl::Duration max_age,
                             bool secure);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_PREVIEW_ACCESS_H_
