#include "lib/auth/jws_crypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace sandboxd::auth {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Refuses encrypted keys instead of prompting on the terminal.
int NoPassphrase(char*, int, int, void*) { return 0; }

absl::StatusOr<EvpPkeyPtr> ParsePem(std::string_view pem, bool private_key) {
  // OpenSSL reports through a thread-local queue; drain it so a failure here
  // never surfaces in an unrelated later call on this thread.
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::InternalError("out of memory");
  EVP_PKEY* key =
      private_key
          ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr)
          : PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr);
  ERR_clear_error();
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        private_key ? "not an unencrypted PEM private key"
                    : "not a PEM public key (expected BEGIN PUBLIC KEY)");
  }
  return EvpPkeyPtr(key);
}

}  // namespace

absl::Status CheckKeyFitsAlgorithm(Algorithm alg, EVP_PKEY* key) {
  switch (alg) {
    case Algorithm::kHs256:
      return absl::InvalidArgumentError("HS256 takes a secret, not a key pair");
    case Algorithm::kRs256:
      if (!EVP_PKEY_is_a(key, "RSA")) {
        return absl::InvalidArgumentError("RS256 needs an RSA key");
      }
      if (EVP_PKEY_get_bits(key) < kMinRsaBits) {
        return absl::InvalidArgumentError(
            absl::StrCat("RS256 needs an RSA key of at least ", kMinRsaBits,
                         " bits, got ", EVP_PKEY_get_bits(key)));
      }
      return absl::OkStatus();
    case Algorithm::kEs256: {
      char group[64] = {0};
      size_t len = 0;
      if (!EVP_PKEY_is_a(key, "EC") ||
          EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1 ||
          std::strcmp(group, "prime256v1") != 0) {
        ERR_clear_error();
        return absl::InvalidArgumentError("ES256 needs an EC key on P-256");
      }
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError("unknown algorithm");
}

absl::StatusOr<EvpPkeyPtr> ParsePublicKeyPem(std::string_view pem) {
  return ParsePem(pem, /*private_key=*/false);
}

absl::StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(std::string_view pem) {
  return ParsePem(pem, /*private_key=*/true);
}

std::string HmacSha256(std::string_view secret, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           Bytes(data), data.size(), mac, &mac_len) == nullptr) {
    ERR_clear_error();
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(mac), mac_len);
}

absl::StatusOr<std::string> DigestSign(EVP_PKEY* key, std::string_view data) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, Bytes(data), data.size()) != 1) {
    ERR_clear_error();
    return absl::InternalError("signing failed");
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(&signature[0]),
                     &len, Bytes(data), data.size()) != 1) {
    ERR_clear_error();
    return absl::InternalError("signing failed");
  }
  signature.resize(len);
  return signature;
}

bool DigestVerify(EVP_PKEY* key, std::string_view data,
                  std::string_view signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx != nullptr &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) ==
          1 &&
      EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                       Bytes(data), data.size()) == 1;
  ERR_clear_error();
  return ok;
}

std::optional<std::string> EcdsaRawToDer(std::string_view raw) {
  if (raw.size() != kEs256SignatureBytes) return std::nullopt;
  const size_t half = kEs256SignatureBytes / 2;
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(Bytes(raw), half, nullptr);
  BIGNUM* s = BN_bin2bn(Bytes(raw) + half, half, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr ||
      ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), len);
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> EcdsaDerToRaw(std::string_view der) {
  const unsigned char* p = Bytes(der);
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (sig == nullptr) {
    ERR_clear_error();
    return std::nullopt;
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  const int half = kEs256SignatureBytes / 2;
  std::string raw(kEs256SignatureBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(&raw[0]);
  if (BN_bn2binpad(r, out, half) != half ||
      BN_bn2binpad(s, out + half, half) != half) {
    return std::nullopt;
  }
  return raw;
}

}  // namespace sandboxd::auth
