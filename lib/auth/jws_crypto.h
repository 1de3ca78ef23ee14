// lib/auth: the OpenSSL layer under the JWS keys: key ownership, the checks
// that a key fits its pinned algorithm, HMAC, EVP digest sign/verify and the
// ECDSA signature conversion between DER and JOSE's raw R||S. Used only by
// verification_key, signing_key and jwks. Thread-safe: functions keep no
// state, and a const EVP_PKEY may be shared between threads (openssl-threads).
#ifndef SANDBOXD_LIB_AUTH_JWS_CRYPTO_H_
#define SANDBOXD_LIB_AUTH_JWS_CRYPTO_H_

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/auth/algorithm.h"

namespace sandboxd::auth {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// RFC 7518 3.2: an HS256 key must be at least as long as the hash output.
inline constexpr size_t kMinHs256SecretBytes = 32;
inline constexpr int kMinRsaBits = 2048;
inline constexpr size_t kEs256SignatureBytes = 64;

// OK if `key` is an RSA key of >= 2048 bits (RS256) or a P-256 EC key
// (ES256); INVALID_ARGUMENT naming the mismatch otherwise. HS256 takes no
// EVP key: INVALID_ARGUMENT.
absl::Status CheckKeyFitsAlgorithm(Algorithm alg, EVP_PKEY* key);

// Parses a PEM "PUBLIC KEY" (SubjectPublicKeyInfo). INVALID_ARGUMENT.
absl::StatusOr<EvpPkeyPtr> ParsePublicKeyPem(std::string_view pem);

// Parses an unencrypted PEM private key (PKCS#8, or traditional RSA/EC);
// never prompts for a passphrase. INVALID_ARGUMENT.
absl::StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(std::string_view pem);

// HMAC-SHA256 of `data` under `secret` (32 bytes).
std::string HmacSha256(std::string_view secret, std::string_view data);

// SHA-256 digest signature of `data` (DER for EC keys). INTERNAL on failure.
absl::StatusOr<std::string> DigestSign(EVP_PKEY* key, std::string_view data);

// True iff `signature` (DER for EC keys) is valid for `data`.
bool DigestVerify(EVP_PKEY* key, std::string_view data,
                  std::string_view signature);

// JOSE ES256 R||S (64 bytes) to DER and back; nullopt if malformed.
std::optional<std::string> EcdsaRawToDer(std::string_view raw);
std::optional<std::string> EcdsaDerToRaw(std::string_view der);

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_JWS_CRYPTO_H_
