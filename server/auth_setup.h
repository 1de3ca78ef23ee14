// Authentication wiring: turns the auth flags into the CallerResolver every
// RPC goes through (gRPC and REST alike), including the secure-by-default
// generated HS256 key, and implements `sandboxd mint-token`.
#ifndef SANDBOXD_SERVER_AUTH_SETUP_H_
#define SANDBOXD_SERVER_AUTH_SETUP_H_

#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/auth/jwt_verifier.h"
#include "lib/auth/preview_token.h"
#include "server/sandbox_service.h"
#include "server/service_runner.h"

namespace sandboxd {

// Callers from `authorization: Bearer <JWT>` metadata; `sub` owns, the admin
// claim sees all. UNAUTHENTICATED (saying why, never echoing the token)
// otherwise.
CallerResolver JwtCallers(std::shared_ptr<const auth::JwtVerifier> verifier);

// The resolver the config asks for. With no key configured, creates (once)
// an HS256 secret under data_dir and, when it was just created, writes a
// ready-to-use token with a sandboxctl and a curl line to `out`.
// --insecure_no_auth is refused unless both listeners are on loopback.
absl::StatusOr<CallerResolver> MakeCallerResolver(const ServiceConfig& config,
                                                  std::ostream& out);

// `sandboxd mint-token`: a token signed with the configured key (HS256 from
// --auth_key_file or the data dir's generated secret).
absl::StatusOr<std::string> MintToken(const ServiceConfig& config,
                                      const std::string& subject, bool admin,
                                      absl::Duration ttl);

// Private previews' tokens: the key in DATA_DIR/auth/preview.key (created,
// 0600, on first start; separate from the JWT key, so it works with any
// --auth_alg) and the TTLs of the config. Errors of LoadOrCreatePreviewSecret.
absl::StatusOr<std::shared_ptr<const auth::PreviewTokens>> MakePreviewTokens(
    const ServiceConfig& config);

// True for 127.0.0.0/8, localhost and [::1] listen addresses.
bool IsLoopbackAddress(const std::string& host_port);

}  // namespace sandboxd

#endif  // SANDBOXD_SERVER_AUTH_SETUP_H_
