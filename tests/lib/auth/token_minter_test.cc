#include "lib/auth/token_minter.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/auth/base64url.h"
#include "lib/auth/jwt_verifier.h"
#include "rapidjson/document.h"
#include "tests/lib/auth/test_keys.h"
#include "tests/testing/status_matchers.h"

namespace sandboxd::auth {
namespace {

using ::sandboxd::auth::testing::EcKey;
using ::sandboxd::auth::testing::Jwk;
using ::sandboxd::auth::testing::RsaKey;
using ::sandboxd::testing::IsOk;
using ::sandboxd::testing::StatusIs;

constexpr char kIssuer[] = "sandboxd";
constexpr char kAudience[] = "sandboxd-api";
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
const std::string kSecret(32, 'k');

std::unique_ptr<TokenMinter> Hs256Minter(
    const std::string& admin_claim = "admin") {
  MinterOptions options;
  options.hs256_secret = kSecret;
  options.admin_claim = admin_claim;
  return *TokenMinter::Create(options);
}

std::unique_ptr<JwtVerifier> Verifier(Algorithm alg, const std::string& key) {
  VerifierOptions options;
  options.alg = alg;
  options.issuer = kIssuer;
  options.audience = kAudience;
  if (alg == Algorithm::kHs256) {
    options.hs256_secret = key;
  } else if (key.front() == '{') {
    options.jwks_json = key;
  } else {
    options.public_key_pem = key;
  }
  return *JwtVerifier::Create(options);
}

std::string Mint(const TokenMinter& minter, const std::string& subject,
                 bool admin = false) {
  absl::StatusOr<std::string> token =
      minter.Mint(subject, admin, absl::Hours(1), kNow, kIssuer, kAudience);
  EXPECT_THAT(token, IsOk());
  return token.value_or("");
}

rapidjson::Document DecodeSegment(const std::string& token, int index) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  rapidjson::Document doc;
  doc.Parse(Base64UrlDecode(parts.at(index)).value_or("").c_str());
  return doc;
}

TEST(TokenMinterTest, MintsHs256TokenTheVerifierAccepts) {
  const std::string token = Mint(*Hs256Minter(), "alice");
  absl::StatusOr<Identity> identity =
      Verifier(Algorithm::kHs256, kSecret)->Verify(token, kNow);
  ASSERT_THAT(identity, IsOk());
  EXPECT_EQ(identity->subject, "alice");
  EXPECT_FALSE(identity->admin);
  EXPECT_EQ(identity->expires, kNow + absl::Hours(1));
}

TEST(TokenMinterTest, WritesStandardClaimsAndHeader) {
  const std::string token = Mint(*Hs256Minter(), "alice");
  rapidjson::Document header = DecodeSegment(token, 0);
  ASSERT_TRUE(header.IsObject());
  EXPECT_STREQ(header["alg"].GetString(), "HS256");
  EXPECT_STREQ(header["typ"].GetString(), "JWT");
  EXPECT_FALSE(header.HasMember("kid"));
  rapidjson::Document claims = DecodeSegment(token, 1);
  ASSERT_TRUE(claims.IsObject());
  EXPECT_STREQ(claims["iss"].GetString(), kIssuer);
  EXPECT_STREQ(claims["aud"].GetString(), kAudience);
  EXPECT_STREQ(claims["sub"].GetString(), "alice");
  EXPECT_EQ(claims["iat"].GetInt64(), 1'800'000'000);
  EXPECT_EQ(claims["nbf"].GetInt64(), 1'800'000'000);
  EXPECT_EQ(claims["exp"].GetInt64(), 1'800'003'600);
  EXPECT_FALSE(claims.HasMember("admin"));
}

TEST(TokenMinterTest, MintedTokenExpiresAfterTtl) {
  const std::string token = Mint(*Hs256Minter(), "alice");
  std::unique_ptr<JwtVerifier> verifier = Verifier(Algorithm::kHs256, kSecret);
  EXPECT_THAT(verifier->Verify(token, kNow + absl::Minutes(59)), IsOk());
  EXPECT_THAT(verifier->Verify(token, kNow + absl::Minutes(61)),
              StatusIs(absl::StatusCode::kUnauthenticated, "token expired"));
}

TEST(TokenMinterTest, AdminTokensCarryTheAdminClaim) {
  std::unique_ptr<JwtVerifier> verifier = Verifier(Algorithm::kHs256, kSecret);
  EXPECT_TRUE(
      verifier->Verify(Mint(*Hs256Minter(), "root", true), kNow)->admin);
  const std::string custom = Mint(*Hs256Minter("ops"), "root", true);
  EXPECT_TRUE(DecodeSegment(custom, 1)["ops"].GetBool());
  EXPECT_FALSE(verifier->Verify(custom, kNow)->admin);
}

TEST(TokenMinterTest, EscapesSubject) {
  const std::string subject = "a\"b\\c/\xc3\xa9";
  absl::StatusOr<Identity> identity =
      Verifier(Algorithm::kHs256, kSecret)
          ->Verify(Mint(*Hs256Minter(), subject), kNow);
  ASSERT_THAT(identity, IsOk());
  EXPECT_EQ(identity->subject, subject);
}

TEST(TokenMinterTest, IsDeterministicForHs256) {
  EXPECT_EQ(Mint(*Hs256Minter(), "alice"), Mint(*Hs256Minter(), "alice"));
  EXPECT_NE(Mint(*Hs256Minter(), "alice"), Mint(*Hs256Minter(), "bob"));
}

TEST(TokenMinterTest, MintsRs256AndEs256Tokens) {
  for (Algorithm alg : {Algorithm::kRs256, Algorithm::kEs256}) {
    SCOPED_TRACE(std::string(AlgorithmName(alg)));
    const auto& pair = alg == Algorithm::kRs256 ? RsaKey(0) : EcKey(0);
    MinterOptions options;
    options.alg = alg;
    options.private_key_pem = pair.private_pem;
    std::unique_ptr<TokenMinter> minter = *TokenMinter::Create(options);
    absl::StatusOr<Identity> identity =
        Verifier(alg, pair.public_pem)->Verify(Mint(*minter, "carol"), kNow);
    ASSERT_THAT(identity, IsOk());
    EXPECT_EQ(identity->subject, "carol");
  }
}

TEST(TokenMinterTest, PutsKidInHeaderForJwks) {
  MinterOptions options;
  options.alg = Algorithm::kRs256;
  options.private_key_pem = RsaKey(1).private_pem;
  options.kid = "2026-11";
  std::unique_ptr<TokenMinter> minter = *TokenMinter::Create(options);
  const std::string jwks = absl::StrCat(R"({"keys":[)", Jwk(RsaKey(0), "old"),
                                        ",", Jwk(RsaKey(1), "2026-11"), "]}");
  EXPECT_THAT(
      Verifier(Algorithm::kRs256, jwks)->Verify(Mint(*minter, "d"), kNow),
      IsOk());
}

TEST(TokenMinterTest, RejectsBadArguments) {
  std::unique_ptr<TokenMinter> minter = Hs256Minter();
  const absl::Duration ttl = absl::Hours(1);
  EXPECT_THAT(minter->Mint("", false, ttl, kNow, kIssuer, kAudience),
              StatusIs(absl::StatusCode::kInvalidArgument, "sub"));
  EXPECT_THAT(minter->Mint("a\nb", false, ttl, kNow, kIssuer, kAudience),
              StatusIs(absl::StatusCode::kInvalidArgument, "sub"));
  EXPECT_THAT(
      minter->Mint(std::string(257, 'a'), false, ttl, kNow, kIssuer, kAudience),
      StatusIs(absl::StatusCode::kInvalidArgument, "sub"));
  EXPECT_THAT(minter->Mint("\xff", false, ttl, kNow, kIssuer, kAudience),
              StatusIs(absl::StatusCode::kInvalidArgument, "UTF-8"));
  EXPECT_THAT(
      minter->Mint("a", false, absl::ZeroDuration(), kNow, kIssuer, kAudience),
      StatusIs(absl::StatusCode::kInvalidArgument, "ttl"));
  EXPECT_THAT(minter->Mint("a", false, ttl, kNow, "", kAudience),
              StatusIs(absl::StatusCode::kInvalidArgument, "iss"));
  EXPECT_THAT(minter->Mint("a", false, ttl, kNow, kIssuer, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, "aud"));
  EXPECT_THAT(Hs256Minter("")->Mint("a", true, ttl, kNow, kIssuer, kAudience),
              StatusIs(absl::StatusCode::kInvalidArgument, "admin"));
}

TEST(TokenMinterTest, CreateRejectsUnfitKeys) {
  MinterOptions options;
  options.hs256_secret = std::string(16, 's');
  EXPECT_THAT(TokenMinter::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "at least 32"));
  options = MinterOptions();
  options.alg = Algorithm::kRs256;
  options.private_key_pem = EcKey(0).private_pem;
  EXPECT_THAT(TokenMinter::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "RSA"));
  options.alg = Algorithm::kEs256;
  options.private_key_pem = "garbage";
  EXPECT_THAT(TokenMinter::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "private key"));
  options.private_key_pem = EcKey(0).private_pem;
  options.hs256_secret = kSecret;
  EXPECT_THAT(TokenMinter::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "not both"));
}

}  // namespace
}  // namespace sandboxd::auth
