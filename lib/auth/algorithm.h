// lib/auth: the JWS algorithms sandboxd accepts (one is pinned per deployment
// by configuration). Used by the verifier, the signer and the flag parser.
// Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_AUTH_ALGORITHM_H_
#define SANDBOXD_LIB_AUTH_ALGORITHM_H_

#include <string_view>

#include "absl/status/statusor.h"

namespace sandboxd::auth {

enum class Algorithm {
  kHs256,  // HMAC-SHA256 with a shared secret.
  kRs256,  // RSASSA-PKCS1-v1_5 with SHA-256 (RSA key, >= 2048 bits).
  kEs256,  // ECDSA on P-256 with SHA-256 (JOSE raw R||S signature).
};

// The JOSE name: "HS256", "RS256" or "ES256".
std::string_view AlgorithmName(Algorithm alg);

// Parses a JOSE name, case-sensitively as JOSE requires. INVALID_ARGUMENT
// "unsupported JWT algorithm; use HS256, RS256 or ES256" for anything else
// (including "none").
absl::StatusOr<Algorithm> ParseAlgorithm(std::string_view name);

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_ALGORITHM_H_
