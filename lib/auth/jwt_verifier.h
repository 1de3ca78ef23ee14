// lib/auth: verifies JWT bearer tokens (compact JWS) with one pinned
// algorithm and turns them into an Identity. Used by the gRPC auth
// interceptor and the REST front; BearerToken() reads the header they get.
#ifndef SANDBOXD_LIB_AUTH_JWT_VERIFIER_H_
#define SANDBOXD_LIB_AUTH_JWT_VERIFIER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/auth/algorithm.h"
#include "lib/auth/identity.h"
#include "lib/auth/jwks.h"
#include "lib/auth/jwt_claims.h"
#include "lib/auth/verification_key.h"

namespace sandboxd::auth {

// Tokens longer than this are refused before any parsing.
inline constexpr size_t kMaxTokenBytes = 8 * 1024;

struct VerifierOptions {
  // The only algorithm accepted; a token whose header names another one
  // (including "none") is refused.
  Algorithm alg = Algorithm::kHs256;
  // Key material: exactly one, matching `alg`. Contents, not file names
  // (ReadKeyFile in secret_store.h reads them).
  std::string hs256_secret;    // HS256: the raw secret, >= 32 bytes.
  std::string public_key_pem;  // RS256/ES256: a PEM "PUBLIC KEY".
  std::string jwks_json;       // RS256/ES256: a JWKS; tokens name a `kid`.
  std::string issuer;          // Required; `iss` must equal it.
  std::string audience;        // Required; `aud` must contain it.
  absl::Duration leeway = absl::Seconds(30);  // Clock skew for exp and nbf.
  // A boolean claim granting admin; `"roles": [...]` containing this name
  // grants it too. Empty: nobody is admin.
  std::string admin_claim = "admin";
};

// Immutable after Create; Verify is thread-safe and does not block.
class JwtVerifier {
 public:
  // INVALID_ARGUMENT naming the option: missing, extra or unfit key
  // material, empty issuer or audience, leeway outside [0, 10m].
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> Create(
      VerifierOptions options);

  // The identity `bearer_token` speaks for at `now`. UNAUTHENTICATED
  // otherwise, with a reason that never contains any part of the token:
  // "token too large", "malformed token: ...", "token algorithm not
  // allowed", "unknown token kid", "invalid token signature", "token
  // expired", "token not yet valid (nbf)", "token issuer mismatch", "token
  // audience mismatch", "token has no sub", ... The signature is checked
  // before the claims are parsed.
  absl::StatusOr<Identity> Verify(std::string_view bearer_token,
                                  absl::Time now) const;

 private:
  JwtVerifier(Algorithm alg, std::optional<VerificationKey> key,
              KeysById keys_by_id, ClaimPolicy policy)
      : alg_(alg),
        key_(std::move(key)),
        keys_by_id_(std::move(keys_by_id)),
        policy_(std::move(policy)) {}

  // Builds the key (secret or PEM) or the JWKS keys `options` configure.
  static absl::Status LoadKeys(const VerifierOptions& options,
                               std::optional<VerificationKey>* key,
                               KeysById* keys_by_id);

  absl::StatusOr<const VerificationKey*> SelectKey(
      std::string_view header_json) const;

  const Algorithm alg_;
  const std::optional<VerificationKey> key_;  // Unless a JWKS is used.
  const KeysById keys_by_id_;                 // From the JWKS.
  const ClaimPolicy policy_;
};

// The token in an `authorization` header value "Bearer <token>" (scheme
// case-insensitive, RFC 6750). UNAUTHENTICATED "missing bearer token" if
// empty, "authorization scheme is not Bearer", or "malformed bearer token";
// messages never quote the header.
absl::StatusOr<std::string> BearerToken(std::string_view authorization_header);

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_JWT_VERIFIER_H_
