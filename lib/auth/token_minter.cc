#include "lib/auth/token_minter.h"

#include <utility>

#include "absl/status/status.h"
#include "lib/auth/jwt_claims.h"
#include "lib/common/status_macros.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace sandboxd::auth {
namespace {

// Refuses invalid UTF-8 instead of emitting JSON the verifier would reject.
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>,
                                     rapidjson::UTF8<>, rapidjson::CrtAllocator,
                                     rapidjson::kWriteValidateEncodingFlag>;

bool WriteString(JsonWriter& writer, std::string_view s) {
  return writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

absl::StatusOr<std::string> HeaderJson(Algorithm alg, const std::string& kid) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("alg");
  WriteString(writer, AlgorithmName(alg));
  writer.Key("typ");
  writer.String("JWT");
  if (!kid.empty()) {
    writer.Key("kid");
    if (!WriteString(writer, kid)) {
      return absl::InvalidArgumentError("kid: not valid UTF-8");
    }
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenMinter>> TokenMinter::Create(
    MinterOptions options) {
  if (!options.hs256_secret.empty() && !options.private_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "auth: configure either an HS256 secret or a private key, not both");
  }
  absl::StatusOr<SigningKey> key =
      options.alg == Algorithm::kHs256
          ? SigningKey::FromSecret(std::move(options.hs256_secret))
          : SigningKey::FromPrivateKeyPem(options.alg, options.private_key_pem);
  if (!key.ok()) return Annotate(key.status(), "auth: signing key");
  ASSIGN_OR_RETURN(std::string header, HeaderJson(options.alg, options.kid));
  return std::unique_ptr<TokenMinter>(new TokenMinter(
      *std::move(key), std::move(header), std::move(options.admin_claim)));
}

absl::StatusOr<std::string> TokenMinter::Mint(std::string_view subject,
                                              bool admin, absl::Duration ttl,
                                              absl::Time now,
                                              std::string_view issuer,
                                              std::string_view audience) const {
  if (!IsValidSubject(subject)) {
    return absl::InvalidArgumentError(
        "sub: must be 1 to 256 bytes without control characters");
  }
  if (ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("ttl: must be positive");
  }
  if (issuer.empty()) return absl::InvalidArgumentError("iss: is empty");
  if (audience.empty()) return absl::InvalidArgumentError("aud: is empty");
  const int64_t iat = absl::ToUnixSeconds(now);
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("iss");
  const bool iss_ok = WriteString(writer, issuer);
  writer.Key("sub");
  const bool sub_ok = WriteString(writer, subject);
  writer.Key("aud");
  const bool aud_ok = WriteString(writer, audience);
  if (!iss_ok || !sub_ok || !aud_ok) {
    return absl::InvalidArgumentError("iss, sub or aud: not valid UTF-8");
  }
  writer.Key("iat");
  writer.Int64(iat);
  writer.Key("nbf");
  writer.Int64(iat);
  writer.Key("exp");
  writer.Int64(absl::ToUnixSeconds(now + ttl));
  if (admin) {
    if (admin_claim_.empty()) {
      return absl::InvalidArgumentError("admin: no admin claim configured");
    }
    writer.Key(admin_claim_.data(),
               static_cast<rapidjson::SizeType>(admin_claim_.size()));
    writer.Bool(true);
  }
  writer.EndObject();
  return key_.SignCompact(
      header_json_, std::string_view(buffer.GetString(), buffer.GetSize()));
}

}  // namespace sandboxd::auth
