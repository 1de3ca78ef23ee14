#include "lib/auth/preview_token.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/auth/base64url.h"
#include "lib/auth/jws_crypto.h"

namespace sandboxd::auth {
namespace {

constexpr char kVersion[] = "v1";
constexpr size_t kMacBytes = 32;
// Unix seconds up to the year 33658: enough digits, and no overflow.
constexpr size_t kMaxExpiryDigits = 12;

char KindLetter(PreviewTokenKind kind) {
  return kind == PreviewTokenKind::kUrl ? 'u' : 'c';
}

absl::Status Invalid(std::string_view why) {
  return absl::UnauthenticatedError(
      absl::StrCat("preview token: ", std::string(why)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PreviewTokens>> PreviewTokens::Create(
    std::string key, std::shared_ptr<Clock> clock,
    PreviewTokenOptions options) {
  if (key.size() < kMinKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "preview key: ", key.size(), " bytes, fewer than ", kMinKeyBytes));
  }
  if (options.url_ttl <= absl::ZeroDuration() ||
      options.cookie_ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("preview token TTLs must be positive");
  }
  return std::unique_ptr<PreviewTokens>(
      new PreviewTokens(std::move(key), std::move(clock), options));
}

PreviewTokens::PreviewTokens(std::string key, std::shared_ptr<Clock> clock,
                             PreviewTokenOptions options)
    : key_(std::move(key)), clock_(std::move(clock)), options_(options) {}

PreviewTokens::~PreviewTokens() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string PreviewTokens::Mac(char kind, std::string_view sandbox_id,
                               int64_t expiry) const {
  // Newline-separated: sandbox ids never contain one, so no two inputs
  // share a signed string.
  return HmacSha256(key_, absl::StrCat("sandboxd-preview-", kVersion, "\n",
                                       std::string(1, kind), "\n",
                                       std::string(sandbox_id), "\n", expiry));
}

std::string PreviewTokens::Mint(std::string_view sandbox_id,
                                PreviewTokenKind kind) const {
  const int64_t expiry = absl::ToUnixSeconds(clock_->Now() + ttl(kind));
  const char letter = KindLetter(kind);
  return absl::StrCat(kVersion, ".", std::string(1, letter), ".", expiry, ".",
                      Base64UrlEncode(Mac(letter, sandbox_id, expiry)));
}

absl::Status PreviewTokens::Verify(std::string_view token,
                                   std::string_view sandbox_id,
                                   PreviewTokenKind kind) const {
  std::vector<absl::string_view> parts = absl::StrSplit(
      absl::string_view(token.data(), token.size()), absl::MaxSplits('.', 4));
  if (parts.size() != 4 || parts[0] != kVersion || parts[1].size() != 1) {
    return Invalid("malformed");
  }
  if (parts[1][0] != KindLetter(kind)) return Invalid("wrong kind");
  const absl::string_view digits = parts[2];
  int64_t expiry = 0;
  if (digits.empty() || digits.size() > kMaxExpiryDigits ||
      (digits.size() > 1 && digits[0] == '0') ||
      !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(digits, &expiry)) {
    return Invalid("malformed expiry");
  }
  std::optional<std::string> mac =
      Base64UrlDecode(std::string_view(parts[3].data(), parts[3].size()));
  if (!mac.has_value() || mac->size() != kMacBytes) {
    return Invalid("malformed signature");
  }
  const std::string expected = Mac(parts[1][0], sandbox_id, expiry);
  if (expected.size() != kMacBytes ||
      CRYPTO_memcmp(expected.data(), mac->data(), kMacBytes) != 0) {
    return Invalid("not valid for this preview");
  }
  // Checked after the signature, so the answer says nothing about unsigned
  // expiries.
  if (absl::FromUnixSeconds(expiry) <= clock_->Now()) return Invalid("expired");
  return absl::OkStatus();
}

std::string WithPreviewToken(std::string_view url, std::string_view token) {
  std::string base(url);
  std::string fragment;
  if (size_t hash = base.find('#'); hash != std::string::npos) {
    fragment = base.substr(hash);
    base.resize(hash);
  }
  const char separator = base.find('?') == std::string::npos ? '?' : '&';
  return absl::StrCat(base, std::string(1, separator), kPreviewTokenParam, "=",
                      std::string(token), fragment);
}

}  // namespace sandboxd::auth
