// lib/auth: who a verified bearer token speaks for. Produced by JwtVerifier,
// carried by the server's call context to the core (owner = subject).
// A plain value; thread-compatible.
#ifndef SANDBOXD_LIB_AUTH_IDENTITY_H_
#define SANDBOXD_LIB_AUTH_IDENTITY_H_

#include <string>

#include "absl/time/time.h"

namespace sandboxd::auth {

struct Identity {
  std::string subject;  // The token's `sub`: the owner of sandboxes.
  bool admin = false;   // Sees every owner's sandboxes.
  absl::Time expires;   // The token's `exp`.
};

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_IDENTITY_H_
