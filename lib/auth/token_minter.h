// lib/auth: mints signed JWT bearer tokens the verifier accepts. Used by
// `sandboxd mint-token`, by the first-start banner, and by tests.
#ifndef SANDBOXD_LIB_AUTH_TOKEN_MINTER_H_
#define SANDBOXD_LIB_AUTH_TOKEN_MINTER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/auth/algorithm.h"
#include "lib/auth/signing_key.h"

namespace sandboxd::auth {

struct MinterOptions {
  Algorithm alg = Algorithm::kHs256;
  std::string hs256_secret;     // HS256: the raw secret, >= 32 bytes.
  std::string private_key_pem;  // RS256/ES256: an unencrypted PEM key.
  std::string kid;              // Put in the header when not empty (JWKS).
  std::string admin_claim = "admin";  // Set to true in admin tokens.
};

// Immutable after Create; Mint is thread-safe and does not block.
class TokenMinter {
 public:
  // INVALID_ARGUMENT if the key material is missing, extra or unfit.
  static absl::StatusOr<std::unique_ptr<TokenMinter>> Create(
      MinterOptions options);

  // A compact JWS with iss, sub, aud, iat = nbf = now, exp = now + ttl and,
  // if `admin`, `<admin_claim>: true`. INVALID_ARGUMENT naming the argument
  // for a subject the verifier would refuse, ttl <= 0, or an empty
  // issuer/audience; INTERNAL if signing fails.
  absl::StatusOr<std::string> Mint(std::string_view subject, bool admin,
                                   absl::Duration ttl, absl::Time now,
                                   std::string_view issuer,
                                   std::string_view audience) const;

 private:
  TokenMinter(SigningKey key, std::string header_json, std::string admin_claim)
      : key_(std::move(key)),
        header_json_(std::move(header_json)),
        admin_claim_(std::move(admin_claim)) {}

  const SigningKey key_;
  const std::string header_json_;
  const std::string admin_claim_;
};

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_TOKEN_MINTER_H_
