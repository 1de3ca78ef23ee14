// lib/auth: reads a JWKS document (RFC 7517) into the verification keys of
// one pinned algorithm, indexed by `kid`. Used by JwtVerifier::Create.
// Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_AUTH_JWKS_H_
#define SANDBOXD_LIB_AUTH_JWKS_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/auth/algorithm.h"
#include "lib/auth/verification_key.h"

namespace sandboxd::auth {

using KeysById = std::map<std::string, VerificationKey, std::less<>>;

// Keeps the entries of `jwks_json` usable with `alg` (RS256: kty RSA;
// ES256: kty EC with crv P-256) that have a kid, and whose optional `use` is
// "sig" and optional `alg` is `alg`; other entries are skipped.
// INVALID_ARGUMENT "jwks: ..." if the document is malformed, a kept entry
// is malformed or weak ("jwks: keys[1]: ..."), two kept entries share a kid,
// or none is kept. HS256 is not served from a JWKS.
absl::StatusOr<KeysById> ParseJwks(std::string_view jwks_json, Algorithm alg);

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_JWKS_H_
