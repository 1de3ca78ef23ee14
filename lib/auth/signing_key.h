// lib/auth: a key that produces JWS signatures for one algorithm (an HS256
// secret, or an RSA / P-256 private key), and the compact serialization.
// Used by TokenMinter, the fuzz target and tests that craft tokens.
// Immutable after creation; thread-safe.
#ifndef SANDBOXD_LIB_AUTH_SIGNING_KEY_H_
#define SANDBOXD_LIB_AUTH_SIGNING_KEY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/auth/algorithm.h"
#include "lib/auth/jws_crypto.h"

namespace sandboxd::auth {

class SigningKey {
 public:
  // HS256 with `secret` (raw bytes). INVALID_ARGUMENT if shorter than 32.
  static absl::StatusOr<SigningKey> FromSecret(std::string secret);

  // RS256 / ES256 with an unencrypted PEM private key. INVALID_ARGUMENT if
  // it does not parse or does not fit `alg`.
  static absl::StatusOr<SigningKey> FromPrivateKeyPem(Algorithm alg,
                                                      std::string_view pem);

  SigningKey(SigningKey&&) = default;
  SigningKey& operator=(SigningKey&&) = default;

  Algorithm alg() const { return alg_; }

  // The raw JWS signature of `signing_input` (ES256: R||S). INTERNAL if
  // OpenSSL fails.
  absl::StatusOr<std::string> Sign(std::string_view signing_input) const;

  // "<b64url(header)>.<b64url(payload)>.<b64url(sig)>". The JSON texts are
  // used as given (the caller picks the header's alg; tests rely on that to
  // craft hostile tokens). INTERNAL if signing fails.
  absl::StatusOr<std::string> SignCompact(std::string_view header_json,
                                          std::string_view payload_json) const;

 private:
  SigningKey(Algorithm alg, std::string secret, EvpPkeyPtr key)
      : alg_(alg), secret_(std::move(secret)), key_(std::move(key)) {}

  Algorithm alg_;
  std::string secret_;  // HS256 only.
  EvpPkeyPtr key_;      // RS256 / ES256 only.
};

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_SIGNING_KEY_H_
