// lib/auth: the signed tokens of private previews. Get and Create hand the
// sandbox's owner a preview URL carrying a short-lived URL token; the preview
// proxy (lib/http/preview_proxy.h) trades it for a longer-lived cookie token
// scoped to that preview host. Both are HMAC-SHA256 over (kind, sandbox id,
// expiry) with the key in <data_dir>/auth/preview.key (secret_store.h).
#ifndef SANDBOXD_LIB_AUTH_PREVIEW_TOKEN_H_
#define SANDBOXD_LIB_AUTH_PREVIEW_TOKEN_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/common/clock.h"

namespace sandboxd::auth {

// The query parameter carrying the URL token, and the cookie carrying the
// cookie token. Both are stripped by the proxy before a request reaches the
// app.
inline constexpr char kPreviewTokenParam[] = "sandboxd_preview_token";
inline constexpr char kPreviewCookieName[] = "sandboxd_preview";

// A URL token only opens the door (it is traded for a cookie); a cookie
// token only keeps it open. Neither is accepted in place of the other.
enum class PreviewTokenKind { kUrl, kCookie };

struct PreviewTokenOptions {
  // Long enough to click a link from Get; short enough that a leaked URL
  // (history, referrer, screen share) soon stops working.
  absl::Duration url_ttl = absl::Minutes(10);
  // A browser session on the preview: re-opening it after this needs a fresh
  // link from Get.
  absl::Duration cookie_ttl = absl::Hours(24);
};

// Thread-safe and immutable; never blocks. The key is never logged or
// returned.
class PreviewTokens {
 public:
  inline static constexpr size_t kMinKeyBytes = 32;

  // INVALID_ARGUMENT if the key is shorter than kMinKeyBytes or a TTL is not
  // positive.
  static absl::StatusOr<std::unique_ptr<PreviewTokens>> Create(
      std::string key, std::shared_ptr<Clock> clock,
      PreviewTokenOptions options = {});
  ~PreviewTokens();

  // "v1.<u|c>.<expiry unix seconds>.<base64url HMAC>", valid for the kind's
  // TTL from now; URL- and cookie-safe as is.
  std::string Mint(std::string_view sandbox_id, PreviewTokenKind kind) const;

  // OK if `token` was minted by this key for `sandbox_id` and `kind` and has
  // not expired. UNAUTHENTICATED otherwise, with a reason that never echoes
  // the token (malformed, expired, or not valid for this preview).
  absl::Status Verify(std::string_view token, std::string_view sandbox_id,
                      PreviewTokenKind kind) const;

  absl::Duration ttl(PreviewTokenKind kind) const {
    return kind == PreviewTokenKind::kUrl ? options_.url_ttl
                                          : options_.cookie_ttl;
  }

 private:
  PreviewTokens(std::string key, std::shared_ptr<Clock> clock,
                PreviewTokenOptions options);
  std::string Mac(char kind, std::string_view sandbox_id, int64_t expiry) const;

  std::string key_;
  const std::shared_ptr<Clock> clock_;
  const PreviewTokenOptions options_;
};

// `url` with `token` appended as the kPreviewTokenParam query parameter
// (before any fragment).
std::string WithPreviewToken(std::string_view url, std::string_view token);

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_PREVIEW_TOKEN_H_
