// lib/auth: checks a JWT claim set (the decoded payload of a token whose
// signature already verified) against the configured issuer, audience and
// time window, and extracts the Identity. Used by JwtVerifier.
// Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_AUTH_JWT_CLAIMS_H_
#define SANDBOXD_LIB_AUTH_JWT_CLAIMS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/auth/identity.h"

namespace sandboxd::auth {

inline constexpr size_t kMaxSubjectBytes = 256;

struct ClaimPolicy {
  std::string issuer;    // `iss` must equal it.
  std::string audience;  // `aud` (string or array) must contain it.
  absl::Duration leeway;
  // `<admin_claim>: true`, or `"roles": [...]` containing admin_claim, grants
  // admin. Empty: no token is admin.
  std::string admin_claim;
};

// Whether `subject` is an acceptable `sub`: 1 to 256 bytes, no ASCII control
// characters. TokenMinter applies the same rule.
bool IsValidSubject(std::string_view subject);

// UNAUTHENTICATED with a reason ("token expired", "token issuer mismatch",
// ...) that never quotes the payload. Rules: `exp` required and
// now < exp + leeway; `nbf` optional and nbf <= now + leeway; `sub` a
// non-empty string of at most 256 bytes without control characters.
absl::StatusOr<Identity> CheckClaims(std::string_view payload_json,
                                     const ClaimPolicy& policy, absl::Time now);

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_JWT_CLAIMS_H_
