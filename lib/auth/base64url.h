// lib/auth: strict unpadded base64url (RFC 7515 section 2) for JWS segments.
// Used by the verifier and the signer. Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_AUTH_BASE64URL_H_
#define SANDBOXD_LIB_AUTH_BASE64URL_H_

#include <optional>
#include <string>
#include <string_view>

namespace sandboxd::auth {

// Encodes without padding.
std::string Base64UrlEncode(std::string_view bytes);

// Decodes the canonical unpadded encoding only: no padding, no whitespace,
// no characters outside [A-Za-z0-9_-], no non-zero trailing bits (so each
// byte string has exactly one accepted spelling). nullopt otherwise.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_BASE64URL_H_
