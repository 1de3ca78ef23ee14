#include "lib/auth/jwks.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/auth/base64url.h"
#include "lib/auth/signing_key.h"
#include "tests/lib/auth/test_keys.h"
#include "tests/testing/status_matchers.h"

namespace sandboxd::auth {
namespace {

using ::sandboxd::auth::testing::EcKey;
using ::sandboxd::auth::testing::GenerateEcKey;
using ::sandboxd::auth::testing::GenerateRsaKey;
using ::sandboxd::auth::testing::Jwk;
using ::sandboxd::auth::testing::RsaKey;
using ::sandboxd::testing::IsOk;
using ::sandboxd::testing::StatusIs;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Pair;

std::string Jwks(const std::vector<std::string>& entries) {
  std::string joined;
  for (const std::string& entry : entries) {
    absl::StrAppend(&joined, joined.empty() ? "" : ",", entry);
  }
  return absl::StrCat(R"({"keys":[)", joined, "]}");
}

TEST(JwksTest, KeepsTheKeysOfThePinnedAlgorithm) {
  const std::string jwks =
      Jwks({Jwk(RsaKey(0), "r0", R"(,"use":"sig","alg":"RS256")"),
            Jwk(RsaKey(1), "r1"), Jwk(EcKey(0), "e0"),
            Jwk(RsaKey(1), "enc", R"(,"use":"enc")"),
            Jwk(RsaKey(1), "ps", R"(,"alg":"PS256")"),
            R"({"kty":"RSA","n":"AQAB","e":"AQAB"})", R"("not an object")"});
  absl::StatusOr<KeysById> rsa = ParseJwks(jwks, Algorithm::kRs256);
  ASSERT_THAT(rsa, IsOk());
  EXPECT_THAT(*rsa, ElementsAre(Pair("r0", _), Pair("r1", _)));
  absl::StatusOr<KeysById> ec = ParseJwks(jwks, Algorithm::kEs256);
  ASSERT_THAT(ec, IsOk());
  EXPECT_THAT(*ec, ElementsAre(Pair("e0", _)));
}

TEST(JwksTest, KeysVerifyTheirOwnSignaturesOnly) {
  absl::StatusOr<KeysById> keys = ParseJwks(
      Jwks({Jwk(EcKey(0), "a"), Jwk(EcKey(1), "b")}), Algorithm::kEs256);
  ASSERT_THAT(keys, IsOk());
  SigningKey signer =
      *SigningKey::FromPrivateKeyPem(Algorithm::kEs256, EcKey(1).private_pem);
  const std::string signature = *signer.Sign("header.payload");
  EXPECT_TRUE(keys->at("b").Verify("header.payload", signature));
  EXPECT_FALSE(keys->at("a").Verify("header.payload", signature));
  EXPECT_FALSE(keys->at("b").Verify("header.payloaD", signature));
}

TEST(JwksTest, RejectsMalformedOrWeakDocuments) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "jwks: not JSON"},
      {R"({"keys":{}})", "jwks: no \"keys\" array"},
      {R"({"keys":[]})", "jwks: no RS256 signing key"},
      {Jwks({Jwk(EcKey(0), "e")}), "no RS256 signing key"},
      {Jwks({Jwk(RsaKey(0), "k", R"(,"use":"enc")")}), "no RS256 signing key"},
      {Jwks({Jwk(RsaKey(0), "k"), Jwk(RsaKey(1), "k")}),
       "jwks: keys[1]: duplicate kid"},
      {R"({"keys":[{"kid":"k","kty":"RSA","n":"@@","e":"AQAB"}]})",
       "jwks: keys[0]: \"n\" is not base64url"},
      {R"({"keys":[{"kid":"k","kty":"RSA","e":"AQAB"}]})",
       "jwks: keys[0]: no \"n\""},
      {R"({"keys":[{"kid":"k","kty":"RSA","n":"AQAB","e":"AQAB"}]})",
       "jwks: keys[0]: "},
      {Jwks({Jwk(GenerateRsaKey(1024), "k")}),
       "jwks: keys[0]: RS256 needs an RSA key of at least 2048 bits"},
  };
  for (const auto& [jwks, reason] : cases) {
    SCOPED_TRACE(jwks);
    EXPECT_THAT(ParseJwks(jwks, Algorithm::kRs256),
                StatusIs(absl::StatusCode::kInvalidArgument, reason));
  }
}

TEST(JwksTest, RejectsBadEcKeys) {
  const std::string one = Base64UrlEncode(std::string(32, '\x01'));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {absl::StrCat(R"({"keys":[{"kid":"e","kty":"EC","crv":"P-256","x":")",
                    one, R"(","y":")", one, R"("}]})"),
       "keys[0]: not a valid public key"},
      {absl::StrCat(R"({"keys":[{"kid":"e","kty":"EC","crv":"P-256","x":"AQ",)",
                    R"("y":")", one, R"("}]})"),
       "keys[0]: P-256 coordinates must be 32 bytes"},
      {Jwks({Jwk(GenerateEcKey("P-384"), "e")}), "no ES256 signing key"},
  };
  for (const auto& [jwks, reason] : cases) {
    SCOPED_TRACE(jwks);
    EXPECT_THAT(ParseJwks(jwks, Algorithm::kEs256),
                StatusIs(absl::StatusCode::kInvalidArgument, reason));
  }
}

TEST(JwksTest, DoesNotServeHs256) {
  EXPECT_THAT(ParseJwks(Jwks({Jwk(RsaKey(0), "k")}), Algorithm::kHs256),
              StatusIs(absl::StatusCode::kInvalidArgument, "HS256"));
}

}  // namespace
}  // namespace sandboxd::auth
