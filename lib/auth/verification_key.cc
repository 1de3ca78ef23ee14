#include "lib/auth/verification_key.h"

#include <openssl/crypto.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/common/status_macros.h"

namespace sandboxd::auth {

absl::StatusOr<VerificationKey> VerificationKey::FromSecret(
    std::string secret) {
  if (secret.size() < kMinHs256SecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("HS256 secret must be at least ", kMinHs256SecretBytes,
                     " bytes, got ", secret.size()));
  }
  return VerificationKey(Algorithm::kHs256, std::move(secret), nullptr);
}

absl::StatusOr<VerificationKey> VerificationKey::FromPublicKeyPem(
    Algorithm alg, std::string_view pem) {
  ASSIGN_OR_RETURN(EvpPkeyPtr key, ParsePublicKeyPem(pem));
  return FromPublicKey(alg, std::move(key));
}

absl::StatusOr<VerificationKey> VerificationKey::FromPublicKey(Algorithm alg,
                                                               EvpPkeyPtr key) {
  if (key == nullptr) return absl::InvalidArgumentError("no public key");
  RETURN_IF_ERROR(CheckKeyFitsAlgorithm(alg, key.get()));
  return VerificationKey(alg, std::string(), std::move(key));
}

bool VerificationKey::Verify(std::string_view signing_input,
                             std::string_view signature) const {
  switch (alg_) {
    case Algorithm::kHs256: {
      const std::string mac = HmacSha256(secret_, signing_input);
      return !mac.empty() && signature.size() == mac.size() &&
             CRYPTO_memcmp(mac.data(), signature.data(), mac.size()) == 0;
    }
    case Algorithm::kRs256:
      return DigestVerify(key_.get(), signing_input, signature);
    case Algorithm::kEs256: {
      std::optional<std::string> der = EcdsaRawToDer(signature);
      return der.has_value() && DigestVerify(key_.get(), signing_input, *der);
    }
  }
  return false;
}

}  // namespace sandboxd::auth
