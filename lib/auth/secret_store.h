// lib/auth: the key files on disk. Secure by default: with no key
// configured, sandboxd keeps an HS256 secret in <data_dir>/auth/hs256.key
// (0600, in a 0700 directory) and refuses key files others could read.
// Used by server/main.cc and `sandboxd mint-token`. Functions are
// thread-safe and safe against concurrent processes; they block on disk I/O.
#ifndef SANDBOXD_LIB_AUTH_SECRET_STORE_H_
#define SANDBOXD_LIB_AUTH_SECRET_STORE_H_

#include <string>

#include "absl/status/statusor.h"

namespace sandboxd::auth {

inline constexpr size_t kGeneratedSecretBytes = 32;
inline constexpr size_t kMaxKeyFileBytes = 1 << 20;

// "<data_dir>/auth/hs256.key".
std::string Hs256SecretPath(const std::string& data_dir);

// Returns the HS256 secret, creating the file with 32 bytes from
// RAND_bytes on first use (`*created` says which, if given). Creation is
// atomic: the complete file appears under its name with link(2), which
// fails rather than replaces if another process got there first (that
// file is then used). Creates `data_dir` (0700) if missing.
// FAILED_PRECONDITION naming the path and the fix if the auth directory or
// the key file is accessible by group or others, not owned by this user,
// a symlink, or if the file holds fewer than 32 bytes;
// INVALID_ARGUMENT for an empty data_dir; INTERNAL for I/O errors.
absl::StatusOr<std::string> LoadOrCreateHs256Secret(const std::string& data_dir,
                                                    bool* created = nullptr);

// "<data_dir>/auth/preview.key": the HMAC key of preview tokens
// (preview_token.h). Kept apart from the JWT secret so that previews stay
// private with RS256/ES256 or --insecure_no_auth, and deleting it revokes
// every preview link and cookie without touching API tokens.
std::string PreviewSecretPath(const std::string& data_dir);

// Like LoadOrCreateHs256Secret, for PreviewSecretPath.
absl::StatusOr<std::string> LoadOrCreatePreviewSecret(
    const std::string& data_dir);

// The shared implementation: `path` must be a file directly under
// "<data_dir>/auth".
absl::StatusOr<std::string> LoadOrCreateSecret(const std::string& data_dir,
                                               const std::string& path,
                                               bool* created = nullptr);

// Reads public key material (PEM public key, JWKS) of at most 1 MiB.
// NOT_FOUND, FAILED_PRECONDITION (not a regular file, too large), INTERNAL.
absl::StatusOr<std::string> ReadKeyFile(const std::string& path);

// Reads secret key material (HS256 secret, PEM private key) like
// ReadKeyFile, and also refuses files accessible by group or others or not
// owned by this user (FAILED_PRECONDITION naming the path and the fix).
absl::StatusOr<std::string> ReadSecretKeyFile(const std::string& path);

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_SECRET_STORE_H_
