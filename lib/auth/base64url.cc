#include "lib/auth/base64url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"

namespace sandboxd::auth {
namespace {

bool IsBase64UrlChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '_';
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  return absl::WebSafeBase64Escape(
      absl::string_view(bytes.data(), bytes.size()));
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  // absl's decoder is lenient (whitespace, optional padding); the checks
  // around it make the accepted language exactly the canonical encodings.
  if (text.size() % 4 == 1) return std::nullopt;
  for (char c : text) {
    if (!IsBase64UrlChar(c)) return std::nullopt;
  }
  std::string bytes;
  const absl::string_view in(text.data(), text.size());
  if (!absl::WebSafeBase64Unescape(in, &bytes)) return std::nullopt;
  if (absl::WebSafeBase64Escape(bytes) != in) return std::nullopt;
  return bytes;
}

}  // namespace sandboxd::auth
