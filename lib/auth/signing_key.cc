#include "lib/auth/signing_key.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/auth/base64url.h"
#include "lib/common/status_macros.h"

namespace sandboxd::auth {

absl::StatusOr<SigningKey> SigningKey::FromSecret(std::string secret) {
  if (secret.size() < kMinHs256SecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("HS256 secret must be at least ", kMinHs256SecretBytes,
                     " bytes, got ", secret.size()));
  }
  return SigningKey(Algorithm::kHs256, std::move(secret), nullptr);
}

absl::StatusOr<SigningKey> SigningKey::FromPrivateKeyPem(Algorithm alg,
                                                         std::string_view pem) {
  ASSIGN_OR_RETURN(EvpPkeyPtr key, ParsePrivateKeyPem(pem));
  RETURN_IF_ERROR(CheckKeyFitsAlgorithm(alg, key.get()));
  return SigningKey(alg, std::string(), std::move(key));
}

absl::StatusOr<std::string> SigningKey::Sign(
    std::string_view signing_input) const {
  switch (alg_) {
    case Algorithm::kHs256: {
      std::string mac = HmacSha256(secret_, signing_input);
      if (mac.empty()) return absl::InternalError("HMAC failed");
      return mac;
    }
    case Algorithm::kRs256:
      return DigestSign(key_.get(), signing_input);
    case Algorithm::kEs256: {
      ASSIGN_OR_RETURN(std::string der, DigestSign(key_.get(), signing_input));
      std::optional<std::string> raw = EcdsaDerToRaw(der);
      if (!raw.has_value()) return absl::InternalError("bad ECDSA signature");
      return *std::move(raw);
    }
  }
  return absl::InternalError("unknown algorithm");
}

absl::StatusOr<std::string> SigningKey::SignCompact(
    std::string_view header_json, std::string_view payload_json) const {
  std::string token = absl::StrCat(Base64UrlEncode(header_json), ".",
                                   Base64UrlEncode(payload_json));
  ASSIGN_OR_RETURN(std::string signature, Sign(token));
  absl::StrAppend(&token, ".", Base64UrlEncode(signature));
  return token;
}

}  // namespace sandboxd::auth
