#include "tests/lib/auth/test_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/auth/base64url.h"

namespace sandboxd::auth::testing {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "test key generation failed: %s\n", what);
    std::abort();
  }
}

std::string Pem(EVP_PKEY* key, bool private_key) {
  BIO* bio = BIO_new(BIO_s_mem());
  Check(bio != nullptr, "BIO_new");
  const int ok = private_key
                     ? PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0,
                                                nullptr, nullptr)
                     : PEM_write_bio_PUBKEY(bio, key);
  Check(ok == 1, "PEM_write");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, len);
  BIO_free(bio);
  return pem;
}

std::string BnParam(EVP_PKEY* key, const char* name, int pad_to) {
  BIGNUM* bn = nullptr;
  Check(EVP_PKEY_get_bn_param(key, name, &bn) == 1, name);
  const int len = pad_to > 0 ? pad_to : BN_num_bytes(bn);
  std::vector<unsigned char> bytes(len);
  Check(BN_bn2binpad(bn, bytes.data(), len) == len, "BN_bn2binpad");
  BN_free(bn);
  return Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), len));
}

TestKeyPair Finish(EVP_PKEY* key, std::string jwk_fields) {
  TestKeyPair pair{Pem(key, true), Pem(key, false), std::move(jwk_fields)};
  EVP_PKEY_free(key);
  return pair;
}

}  // namespace

TestKeyPair GenerateRsaKey(int bits) {
  EVP_PKEY* key =
      EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  Check(key != nullptr, "RSA keygen");
  return Finish(
      key, absl::StrCat(R"("kty":"RSA","n":")",
                        BnParam(key, OSSL_PKEY_PARAM_RSA_N, 0), R"(","e":")",
                        BnParam(key, OSSL_PKEY_PARAM_RSA_E, 0), R"(")"));
}

TestKeyPair GenerateEcKey(const char* curve) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
  Check(key != nullptr, "EC keygen");
  const int size = (EVP_PKEY_get_bits(key) + 7) / 8;
  return Finish(
      key,
      absl::StrCat(R"("kty":"EC","crv":")", curve, R"(","x":")",
                   BnParam(key, OSSL_PKEY_PARAM_EC_PUB_X, size), R"(","y":")",
                   BnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, size), R"(")"));
}

const TestKeyPair& RsaKey(int index) {
  static const TestKeyPair* keys =
      new TestKeyPair[2]{GenerateRsaKey(2048), GenerateRsaKey(2048)};
  return keys[index];
}

const TestKeyPair& EcKey(int index) {
  static const TestKeyPair* keys =
      new TestKeyPair[2]{GenerateEcKey("P-256"), GenerateEcKey("P-256")};
  return keys[index];
}

std::string Jwk(const TestKeyPair& key, const std::string& kid,
                const std::string& extra) {
  return absl::StrCat(R"({"kid":")", kid, R"(",)", key.jwk_fields, extra, "}");
}

}  // namespace sandboxd::auth::testing
