#include "lib/auth/jwt_claims.h"

#include <cmath>
#include <limits>
#include <optional>

#include "absl/status/status.h"
#include "lib/auth/json_object.h"
#include "lib/common/status_macros.h"
#include "rapidjson/document.h"

namespace sandboxd::auth {
namespace {

absl::Status Unauthenticated(const char* why) {
  return absl::UnauthenticatedError(why);
}

// RFC 7519 NumericDate: seconds since the epoch, integer or not. Values
// beyond absl::Time's range saturate to the infinities.
std::optional<absl::Time> NumericDate(const rapidjson::Value& value) {
  if (value.IsInt64()) return absl::FromUnixSeconds(value.GetInt64());
  if (value.IsUint64()) return absl::InfiniteFuture();
  if (!value.IsDouble()) return std::nullopt;
  const double seconds = value.GetDouble();
  if (!std::isfinite(seconds)) return std::nullopt;
  constexpr double kLimit = 1e15;  // ~31 million years.
  if (seconds > kLimit) return absl::InfiniteFuture();
  if (seconds < -kLimit) return absl::InfinitePast();
  return absl::UnixEpoch() + absl::Seconds(seconds);
}

absl::StatusOr<std::optional<absl::Time>> TimeClaim(
    const rapidjson::Value& claims, const char* name) {
  const rapidjson::Value* value = FindMember(claims, name);
  if (value == nullptr) return std::optional<absl::Time>();
  std::optional<absl::Time> time = NumericDate(*value);
  if (!time.has_value()) {
    return absl::UnauthenticatedError(std::string("malformed token: ") + name +
                                      " is not a NumericDate");
  }
  return time;
}

absl::Status CheckTimes(const rapidjson::Value& claims, absl::Duration leeway,
                        absl::Time now, absl::Time* expires) {
  ASSIGN_OR_RETURN(std::optional<absl::Time> exp, TimeClaim(claims, "exp"));
  if (!exp.has_value()) return Unauthenticated("token has no exp");
  if (now >= *exp + leeway) return Unauthenticated("token expired");
  ASSIGN_OR_RETURN(std::optional<absl::Time> nbf, TimeClaim(claims, "nbf"));
  if (nbf.has_value() && *nbf > now + leeway) {
    return Unauthenticated("token not yet valid (nbf)");
  }
  *expires = *exp;
  return absl::OkStatus();
}

absl::Status CheckIssuer(const rapidjson::Value& claims,
                         const std::string& issuer) {
  const rapidjson::Value* iss = FindMember(claims, "iss");
  if (iss == nullptr) return Unauthenticated("token has no iss");
  std::optional<std::string_view> value = AsString(*iss);
  if (!value.has_value() || *value != issuer) {
    return Unauthenticated("token issuer mismatch");
  }
  return absl::OkStatus();
}

absl::Status CheckAudience(const rapidjson::Value& claims,
                           const std::string& audience) {
  const rapidjson::Value* aud = FindMember(claims, "aud");
  if (aud == nullptr) return Unauthenticated("token has no aud");
  if (aud->IsString()) {
    if (*AsString(*aud) == audience) return absl::OkStatus();
    return Unauthenticated("token audience mismatch");
  }
  if (!aud->IsArray()) return Unauthenticated("malformed token: aud");
  bool found = false;
  for (const rapidjson::Value& entry : aud->GetArray()) {
    std::optional<std::string_view> value = AsString(entry);
    if (!value.has_value()) return Unauthenticated("malformed token: aud");
    found = found || *value == audience;
  }
  if (!found) return Unauthenticated("token audience mismatch");
  return absl::OkStatus();
}

absl::StatusOr<std::string> Subject(const rapidjson::Value& claims) {
  const rapidjson::Value* sub = FindMember(claims, "sub");
  if (sub == nullptr) return Unauthenticated("token has no sub");
  std::optional<std::string_view> value = AsString(*sub);
  if (!value.has_value()) return Unauthenticated("malformed token: sub");
  if (value->empty()) return Unauthenticated("token has an empty sub");
  if (!IsValidSubject(*value)) {
    return Unauthenticated(
        "token sub is longer than 256 bytes or has control characters");
  }
  return std::string(*value);
}

bool IsAdmin(const rapidjson::Value& claims, const std::string& admin_claim) {
  if (admin_claim.empty()) return false;
  const rapidjson::Value* flag = FindMember(claims, admin_claim.c_str());
  if (flag != nullptr && flag->IsBool() && flag->GetBool()) return true;
  const rapidjson::Value* roles = FindMember(claims, "roles");
  if (roles == nullptr || !roles->IsArray()) return false;
  for (const rapidjson::Value& role : roles->GetArray()) {
    if (AsString(role) == std::optional<std::string_view>(admin_claim)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool IsValidSubject(std::string_view subject) {
  if (subject.empty() || subject.size() > kMaxSubjectBytes) return false;
  for (char c : subject) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return false;
  }
  return true;
}

absl::StatusOr<Identity> CheckClaims(std::string_view payload_json,
                                     const ClaimPolicy& policy,
                                     absl::Time now) {
  rapidjson::Document claims;
  if (!ParseJsonObject(payload_json, &claims).ok()) {
    return Unauthenticated("malformed token: payload is not a JSON object");
  }
  Identity identity;
  RETURN_IF_ERROR(CheckTimes(claims, policy.leeway, now, &identity.expires));
  RETURN_IF_ERROR(CheckIssuer(claims, policy.issuer));
  RETURN_IF_ERROR(CheckAudience(claims, policy.audience));
  ASSIGN_OR_RETURN(identity.subject, Subject(claims));
  identity.admin = IsAdmin(claims, policy.admin_claim);
  return identity;
}

}  // namespace sandboxd::auth
