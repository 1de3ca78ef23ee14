// lib/auth: a key that checks JWS signatures for exactly one algorithm (an
// HS256 secret, or an RSA / P-256 public key). Held by JwtVerifier, one per
// configured key or JWKS entry. Immutable after creation; thread-safe.
#ifndef SANDBOXD_LIB_AUTH_VERIFICATION_KEY_H_
#define SANDBOXD_LIB_AUTH_VERIFICATION_KEY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/auth/algorithm.h"
#include "lib/auth/jws_crypto.h"

namespace sandboxd::auth {

class VerificationKey {
 public:
  // HS256 with `secret` (raw bytes). INVALID_ARGUMENT if shorter than 32.
  static absl::StatusOr<VerificationKey> FromSecret(std::string secret);

  // RS256 / ES256 with a PEM "PUBLIC KEY". INVALID_ARGUMENT if the PEM does
  // not parse or the key does not fit `alg` (RSA < 2048 bits, non-P-256).
  static absl::StatusOr<VerificationKey> FromPublicKeyPem(Algorithm alg,
                                                          std::string_view pem);

  // RS256 / ES256 with an already parsed public key; same checks.
  static absl::StatusOr<VerificationKey> FromPublicKey(Algorithm alg,
                                                       EvpPkeyPtr key);

  VerificationKey(VerificationKey&&) = default;
  VerificationKey& operator=(VerificationKey&&) = default;

  Algorithm alg() const { return alg_; }

  // True iff `signature` (the decoded JWS signature) signs `signing_input`
  // ("<header>.<payload>" as sent). HMAC is compared in constant time.
  bool Verify(std::string_view signing_input, std::string_view signature) const;

 private:
  VerificationKey(Algorithm alg, std::string secret, EvpPkeyPtr key)
      : alg_(alg), secret_(std::move(secret)), key_(std::move(key)) {}

  Algorithm alg_;
  std::string secret_;  // HS256 only.
  EvpPkeyPtr key_;      // RS256 / ES256 only.
};

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_VERIFICATION_KEY_H_
