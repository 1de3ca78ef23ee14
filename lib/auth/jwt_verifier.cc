#include "lib/auth/jwt_verifier.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "lib/auth/base64url.h"
#include "lib/auth/json_object.h"
#include "lib/common/status_macros.h"
#include "rapidjson/document.h"

namespace sandboxd::auth {
namespace {

absl::Status Unauthenticated(const char* why) {
  return absl::UnauthenticatedError(why);
}

struct CompactJws {
  std::string_view header;         // base64url
  std::string_view payload;        // base64url
  std::string_view signing_input;  // "<header>.<payload>"
  std::string_view signature;      // base64url
};

absl::StatusOr<CompactJws> SplitCompact(std::string_view token) {
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos
                            ? std::string_view::npos
                            : token.find('.', first + 1);
  if (second == std::string_view::npos ||
      token.find('.', second + 1) != std::string_view::npos) {
    return Unauthenticated("malformed token: not three dot-separated parts");
  }
  CompactJws jws;
  jws.header = token.substr(0, first);
  jws.payload = token.substr(first + 1, second - first - 1);
  jws.signing_input = token.substr(0, second);
  jws.signature = token.substr(second + 1);
  return jws;
}

absl::StatusOr<std::string> DecodeSegment(std::string_view segment,
                                          const char* what) {
  std::optional<std::string> bytes = Base64UrlDecode(segment);
  if (!bytes.has_value()) {
    return absl::UnauthenticatedError(std::string("malformed token: ") + what +
                                      " is not base64url");
  }
  return *std::move(bytes);
}

// Checks the JOSE header's alg against the pinned one and returns its kid
// ("" if absent).
absl::StatusOr<std::string> CheckHeader(std::string_view header_json,
                                        Algorithm alg) {
  rapidjson::Document header;
  if (!ParseJsonObject(header_json, &header).ok()) {
    return Unauthenticated("malformed token: header is not a JSON object");
  }
  const rapidjson::Value* name = FindMember(header, "alg");
  if (name == nullptr) return Unauthenticated("malformed token: no alg");
  if (AsString(*name) != std::optional<std::string_view>(AlgorithmName(alg))) {
    return Unauthenticated("token algorithm not allowed");
  }
  // RFC 7515 4.1.11: unknown critical extensions must be refused; none are
  // understood here.
  if (FindMember(header, "crit") != nullptr) {
    return Unauthenticated("token header has unsupported crit parameters");
  }
  const rapidjson::Value* kid = FindMember(header, "kid");
  if (kid == nullptr) return std::string();
  std::optional<std::string_view> kid_value = AsString(*kid);
  if (!kid_value.has_value()) return Unauthenticated("malformed token: kid");
  return std::string(*kid_value);
}

}  // namespace

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::Create(
    VerifierOptions options) {
  if (options.issuer.empty()) {
    return absl::InvalidArgumentError("auth: issuer is required");
  }
  if (options.audience.empty()) {
    return absl::InvalidArgumentError("auth: audience is required");
  }
  if (options.leeway < absl::ZeroDuration() ||
      options.leeway > absl::Minutes(10)) {
    return absl::InvalidArgumentError("auth: leeway must be within [0, 10m]");
  }
  std::optional<VerificationKey> key;
  KeysById keys_by_id;
  RETURN_IF_ERROR(LoadKeys(options, &key, &keys_by_id));
  ClaimPolicy policy{std::move(options.issuer), std::move(options.audience),
                     options.leeway, std::move(options.admin_claim)};
  return std::unique_ptr<JwtVerifier>(new JwtVerifier(
      options.alg, std::move(key), std::move(keys_by_id), std::move(policy)));
}

absl::Status JwtVerifier::LoadKeys(const VerifierOptions& options,
                                   std::optional<VerificationKey>* key,
                                   KeysById* keys_by_id) {
  const int sources = !options.hs256_secret.empty() +
                      !options.public_key_pem.empty() +
                      !options.jwks_json.empty();
  if (sources != 1) {
    return absl::InvalidArgumentError(
        "auth: configure exactly one of an HS256 secret, a public key PEM or "
        "a JWKS");
  }
  if (options.alg == Algorithm::kHs256) {
    if (options.hs256_secret.empty()) {
      return absl::InvalidArgumentError("auth: HS256 needs a secret");
    }
    absl::StatusOr<VerificationKey> k =
        VerificationKey::FromSecret(options.hs256_secret);
    if (!k.ok()) return Annotate(k.status(), "auth");
    key->emplace(*std::move(k));
  } else if (!options.public_key_pem.empty()) {
    absl::StatusOr<VerificationKey> k =
        VerificationKey::FromPublicKeyPem(options.alg, options.public_key_pem);
    if (!k.ok()) return Annotate(k.status(), "auth: public key");
    key->emplace(*std::move(k));
  } else if (!options.jwks_json.empty()) {
    absl::StatusOr<KeysById> keys = ParseJwks(options.jwks_json, options.alg);
    if (!keys.ok()) return Annotate(keys.status(), "auth");
    *keys_by_id = *std::move(keys);
  } else {
    return absl::InvalidArgumentError(
        "auth: RS256/ES256 need a public key PEM or a JWKS, not a secret");
  }
  return absl::OkStatus();
}

absl::StatusOr<const VerificationKey*> JwtVerifier::SelectKey(
    std::string_view header_json) const {
  ASSIGN_OR_RETURN(std::string kid, CheckHeader(header_json, alg_));
  if (key_.has_value()) return &*key_;
  if (kid.empty()) return Unauthenticated("token has no kid");
  auto it = keys_by_id_.find(kid);
  if (it == keys_by_id_.end()) return Unauthenticated("unknown token kid");
  return &it->second;
}

absl::StatusOr<Identity> JwtVerifier::Verify(std::string_view bearer_token,
                                             absl::Time now) const {
  if (bearer_token.empty()) return Unauthenticated("missing bearer token");
  if (bearer_token.size() > kMaxTokenBytes) {
    return Unauthenticated("token too large (over 8 KiB)");
  }
  ASSIGN_OR_RETURN(CompactJws jws, SplitCompact(bearer_token));
  ASSIGN_OR_RETURN(std::string header_json,
                   DecodeSegment(jws.header, "header"));
  ASSIGN_OR_RETURN(const VerificationKey* key, SelectKey(header_json));
  ASSIGN_OR_RETURN(std::string signature,
                   DecodeSegment(jws.signature, "signature"));
  if (!key->Verify(jws.signing_input, signature)) {
    return Unauthenticated("invalid token signature");
  }
  ASSIGN_OR_RETURN(std::string payload_json,
                   DecodeSegment(jws.payload, "payload"));
  return CheckClaims(payload_json, policy_, now);
}

absl::StatusOr<std::string> BearerToken(std::string_view authorization_header) {
  const absl::string_view header = absl::StripAsciiWhitespace(absl::string_view(
      authorization_header.data(), authorization_header.size()));
  if (header.empty()) return Unauthenticated("missing bearer token");
  const size_t space = header.find_first_of(" \t");
  const absl::string_view scheme = header.substr(0, space);
  if (!absl::EqualsIgnoreCase(scheme, "Bearer")) {
    return Unauthenticated("authorization scheme is not Bearer");
  }
  if (space == absl::string_view::npos) {
    return Unauthenticated("missing bearer token");
  }
  const absl::string_view token =
      absl::StripLeadingAsciiWhitespace(header.substr(space));
  if (token.empty()) return Unauthenticated("missing bearer token");
  for (char c : token) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return Unauthenticated("malformed bearer token");
    }
  }
  return std::string(token);
}

}  // namespace sandboxd::auth
