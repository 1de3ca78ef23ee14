// Test key pairs for lib/auth tests: RSA and P-256 keys generated with
// OpenSSL EVP at run time (never checked in), as PEM and as JWKS entries.
// The cached accessors are thread-safe (function-local statics).
#ifndef SANDBOXD_TESTS_LIB_AUTH_TEST_KEYS_H_
#define SANDBOXD_TESTS_LIB_AUTH_TEST_KEYS_H_

#include <string>

namespace sandboxd::auth::testing {

struct TestKeyPair {
  std::string private_pem;  // PKCS#8 "PRIVATE KEY".
  std::string public_pem;   // SubjectPublicKeyInfo "PUBLIC KEY".
  std::string jwk_fields;   // `"kty":...` members of its JWK, without kid.
};

TestKeyPair GenerateRsaKey(int bits);
TestKeyPair GenerateEcKey(const char* curve);  // "P-256", "P-384".

// Distinct cached keys: index 0 and 1.
const TestKeyPair& RsaKey(int index);  // 2048 bits.
const TestKeyPair& EcKey(int index);   // P-256.

// One JWKS entry: `{"kid":"<kid>",<jwk_fields><extra>}`.
std::string Jwk(const TestKeyPair& key, const std::string& kid,
                const std::string& extra = "");

}  // namespace sandboxd::auth::testing

#endif  // SANDBOXD_TESTS_LIB_AUTH_TEST_KEYS_H_
