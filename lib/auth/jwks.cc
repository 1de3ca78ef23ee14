#include "lib/auth/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/auth/base64url.h"
#include "lib/auth/json_object.h"
#include "lib/common/status_macros.h"
#include "rapidjson/document.h"

namespace sandboxd::auth {
namespace {

struct BnDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

constexpr size_t kP256CoordinateBytes = 32;

std::optional<std::string> StringMember(const rapidjson::Value& object,
                                        const char* name) {
  const rapidjson::Value* value = FindMember(object, name);
  if (value == nullptr) return std::nullopt;
  std::optional<std::string_view> s = AsString(*value);
  if (!s.has_value()) return std::nullopt;
  return std::string(*s);
}

absl::StatusOr<std::string> Base64Member(const rapidjson::Value& key,
                                         const char* name) {
  std::optional<std::string> text = StringMember(key, name);
  if (!text.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("no \"", name, "\""));
  }
  std::optional<std::string> bytes = Base64UrlDecode(*text);
  if (!bytes.has_value() || bytes->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is not base64url"));
  }
  return *std::move(bytes);
}

// Builds a public key of `type` ("RSA" or "EC") from OSSL_PARAMs, then runs
// OpenSSL's public-key check (e.g. the EC point is on the curve).
absl::StatusOr<EvpPkeyPtr> KeyFromParams(const char* type,
                                         OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) !=
          1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not a valid public key");
  }
  EvpPkeyPtr key(raw);
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not a valid public key");
  }
  return key;
}

absl::StatusOr<EvpPkeyPtr> RsaKey(const rapidjson::Value& jwk) {
  ASSIGN_OR_RETURN(std::string n, Base64Member(jwk, "n"));
  ASSIGN_OR_RETURN(std::string e, Base64Member(jwk, "e"));
  auto bytes = [](const std::string& s) {
    return reinterpret_cast<const unsigned char*>(s.data());
  };
  BnPtr bn_n(BN_bin2bn(bytes(n), static_cast<int>(n.size()), nullptr));
  BnPtr bn_e(BN_bin2bn(bytes(e), static_cast<int>(e.size()), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bn_n == nullptr || bn_e == nullptr || bld == nullptr ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) !=
          1) {
    return absl::InternalError("out of memory");
  }
  return KeyFromParams("RSA", bld.get());
}

absl::StatusOr<EvpPkeyPtr> EcKey(const rapidjson::Value& jwk) {
  ASSIGN_OR_RETURN(std::string x, Base64Member(jwk, "x"));
  ASSIGN_OR_RETURN(std::string y, Base64Member(jwk, "y"));
  if (x.size() != kP256CoordinateBytes || y.size() != kP256CoordinateBytes) {
    return absl::InvalidArgumentError("P-256 coordinates must be 32 bytes");
  }
  // SEC 1 uncompressed point: 0x04 || x || y.
  const std::string point = absl::StrCat("\x04", x, y);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       point.data(), point.size()) != 1) {
    return absl::InternalError("out of memory");
  }
  return KeyFromParams("EC", bld.get());
}

// Whether `jwk` is meant for `alg`; entries for other algorithms are skipped.
bool Usable(const rapidjson::Value& jwk, Algorithm alg) {
  const char* kty = alg == Algorithm::kRs256 ? "RSA" : "EC";
  if (StringMember(jwk, "kty") != kty) return false;
  // Other curves belong to ES384/ES512.
  if (alg == Algorithm::kEs256 && StringMember(jwk, "crv") != "P-256") {
    return false;
  }
  std::optional<std::string> use = StringMember(jwk, "use");
  if (FindMember(jwk, "use") != nullptr && use != "sig") return false;
  std::optional<std::string> jwk_alg = StringMember(jwk, "alg");
  if (FindMember(jwk, "alg") != nullptr &&
      jwk_alg != std::string(AlgorithmName(alg))) {
    return false;
  }
  return StringMember(jwk, "kid").has_value();
}

absl::StatusOr<VerificationKey> KeyOf(const rapidjson::Value& jwk,
                                      Algorithm alg) {
  ASSIGN_OR_RETURN(EvpPkeyPtr key,
                   alg == Algorithm::kRs256 ? RsaKey(jwk) : EcKey(jwk));
  return VerificationKey::FromPublicKey(alg, std::move(key));
}

}  // namespace

absl::StatusOr<KeysById> ParseJwks(std::string_view jwks_json, Algorithm alg) {
  if (alg == Algorithm::kHs256) {
    return absl::InvalidArgumentError(
        "jwks: HS256 keys are not read from a "
        "JWKS; configure the secret");
  }
  rapidjson::Document doc;
  RETURN_IF_ERROR(Annotate(ParseJsonObject(jwks_json, &doc), "jwks"));
  const rapidjson::Value* keys = FindMember(doc, "keys");
  if (keys == nullptr || !keys->IsArray()) {
    return absl::InvalidArgumentError("jwks: no \"keys\" array");
  }
  KeysById by_id;
  for (rapidjson::SizeType i = 0; i < keys->Size(); ++i) {
    const rapidjson::Value& jwk = (*keys)[i];
    if (!jwk.IsObject() || !Usable(jwk, alg)) continue;
    const std::string context = absl::StrCat("jwks: keys[", i, "]");
    absl::StatusOr<VerificationKey> key = KeyOf(jwk, alg);
    if (!key.ok()) return Annotate(key.status(), context);
    if (!by_id.emplace(*StringMember(jwk, "kid"), *std::move(key)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": duplicate kid"));
    }
  }
  if (by_id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("jwks: no ", std::string(AlgorithmName(alg)),
                     " signing key with a kid"));
  }
  return by_id;
}

}  // namespace sandboxd::auth
