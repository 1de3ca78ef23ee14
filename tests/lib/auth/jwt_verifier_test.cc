#include "lib/auth/jwt_verifier.h"

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIssuer[] = "https://issuer.test";
constexpr char kAudience[] = "sandboxd";
constexpr int64_t kNowSeconds = 1'800'000'000;
const absl::Time kNow = absl::FromUnixSeconds(kNowSeconds);
const std::string kSecret = "0123456789abcdef0123456789abcdef";

// A claim set; each field is a raw JSON value, left out when empty.
struct Claims {
  std::string iss = absl::StrCat("\"", kIssuer, "\"");
  std::string sub = "\"alice\"";
  std::string aud = absl::StrCat("\"", kAudience, "\"");
  std::string exp = absl::StrCat(kNowSeconds + 3600);
  std::string nbf;
  std::string extra;  // More members, without the leading comma.

  std::string Json() const {
    std::vector<std::string> members;
    auto add = [&](const char* name, const std::string& value) {
      if (!value.empty())
        members.push_back(absl::StrCat("\"", name, "\":", value));
    };
    add("iss", iss);
    add("sub", sub);
    add("aud", aud);
    add("exp", exp);
    add("nbf", nbf);
    if (!extra.empty()) members.push_back(extra);
    return absl::StrCat("{", absl::StrJoin(members, ","), "}");
  }
};

std::string Header(const char* alg, const std::string& kid = "") {
  if (kid.empty()) return absl::StrCat(R"({"alg":")", alg, R"(","typ":"JWT"})");
  return absl::StrCat(R"({"alg":")", alg, R"(","kid":")", kid, R"("})");
}

std::string Sign(const SigningKey& key, const std::string& header,
                 const std::string& payload) {
  absl::StatusOr<std::string> token = key.SignCompact(header, payload);
  EXPECT_THAT(token, IsOk());
  return token.value_or("");
}

SigningKey Hs256Key(const std::string& secret = kSecret) {
  return *SigningKey::FromSecret(secret);
}
SigningKey Rs256Key(int index) {
  return *SigningKey::FromPrivateKeyPem(Algorithm::kRs256,
                                        RsaKey(index).private_pem);
}
SigningKey Es256Key(int index) {
  return *SigningKey::FromPrivateKeyPem(Algorithm::kEs256,
                                        EcKey(index).private_pem);
}

std::string Hs256Token(const Claims& claims = Claims()) {
  return Sign(Hs256Key(), Header("HS256"), claims.Json());
}

VerifierOptions BaseOptions(Algorithm alg) {
  VerifierOptions options;
  options.alg = alg;
  options.issuer = kIssuer;
  options.audience = kAudience;
  return options;
}

std::unique_ptr<JwtVerifier> Hs256Verifier() {
  VerifierOptions options = BaseOptions(Algorithm::kHs256);
  options.hs256_secret = kSecret;
  return *JwtVerifier::Create(options);
}

std::unique_ptr<JwtVerifier> PemVerifier(Algorithm alg,
                                         const std::string& pem) {
  VerifierOptions options = BaseOptions(alg);
  options.public_key_pem = pem;
  return *JwtVerifier::Create(options);
}

// The rejection is UNAUTHENTICATED, says `reason`, and quotes no part of
// the token: no segment and no 8-byte window of it.
void ExpectRejected(const JwtVerifier& verifier, const std::string& token,
                    const std::string& reason) {
  absl::StatusOr<Identity> identity = verifier.Verify(token, kNow);
  EXPECT_THAT(identity, StatusIs(absl::StatusCode::kUnauthenticated, reason));
  const std::string message(identity.status().message());
  for (size_t i = 0; i + 8 <= token.size(); ++i) {
    ASSERT_THAT(message, Not(HasSubstr(token.substr(i, 8))))
        << "message quotes the token";
  }
  for (absl::string_view part : absl::StrSplit(token, '.')) {
    if (part.size() >= 3) {
      EXPECT_THAT(message, Not(HasSubstr(std::string(part))));
    }
  }
}

TEST(JwtVerifierTest, AcceptsValidHs256Token) {
  absl::StatusOr<Identity> identity =
      Hs256Verifier()->Verify(Hs256Token(), kNow);
  ASSERT_THAT(identity, IsOk());
  EXPECT_EQ(identity->subject, "alice");
  EXPECT_FALSE(identity->admin);
  EXPECT_EQ(identity->expires, kNow + absl::Hours(1));
}

TEST(JwtVerifierTest, RejectsExpiredTokenBeyondLeeway) {
  Claims claims;
  claims.exp = absl::StrCat(kNowSeconds - 30);
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "token expired");
  claims.exp = absl::StrCat(kNowSeconds - 29);
  EXPECT_THAT(Hs256Verifier()->Verify(Hs256Token(claims), kNow), IsOk());
}

TEST(JwtVerifierTest, RejectsTokenWithoutExp) {
  Claims claims;
  claims.exp = "";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "token has no exp");
  claims.exp = "\"1900000000\"";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims),
                 "exp is not a NumericDate");
}

TEST(JwtVerifierTest, AcceptsFractionalAndHugeExp) {
  Claims claims;
  claims.exp = absl::StrCat(kNowSeconds, ".5");
  EXPECT_THAT(Hs256Verifier()->Verify(Hs256Token(claims), kNow), IsOk());
  claims.exp = "1e300";
  EXPECT_THAT(Hs256Verifier()->Verify(Hs256Token(claims), kNow), IsOk());
  claims.exp = "-1e300";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "token expired");
}

TEST(JwtVerifierTest, RejectsNotYetValidTokenBeyondLeeway) {
  Claims claims;
  claims.nbf = absl::StrCat(kNowSeconds + 31);
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "token not yet valid");
  claims.nbf = absl::StrCat(kNowSeconds + 30);
  EXPECT_THAT(Hs256Verifier()->Verify(Hs256Token(claims), kNow), IsOk());
}

TEST(JwtVerifierTest, RejectsWrongOrMissingIssuer) {
  Claims claims;
  claims.iss = "\"https://evil.test\"";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "token issuer mismatch");
  claims.iss = "[\"https://issuer.test\"]";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "token issuer mismatch");
  claims.iss = "";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "token has no iss");
}

TEST(JwtVerifierTest, ChecksAudienceStringOrArray) {
  Claims claims;
  claims.aud = "\"other\"";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims),
                 "token audience mismatch");
  claims.aud = "[\"other\",\"sandboxd\"]";
  EXPECT_THAT(Hs256Verifier()->Verify(Hs256Token(claims), kNow), IsOk());
  claims.aud = "[\"other\"]";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims),
                 "token audience mismatch");
  claims.aud = "[\"sandboxd\",7]";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "malformed token: aud");
  claims.aud = "";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "token has no aud");
}

TEST(JwtVerifierTest, RejectsMissingEmptyOrBadSubject) {
  Claims claims;
  claims.sub = "";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "token has no sub");
  claims.sub = "\"\"";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims),
                 "token has an empty sub");
  claims.sub = "42";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "malformed token: sub");
  claims.sub = "\"a\\nb\"";
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "control characters");
  claims.sub = absl::StrCat("\"", std::string(257, 'a'), "\"");
  ExpectRejected(*Hs256Verifier(), Hs256Token(claims), "longer than 256");
}

TEST(JwtVerifierTest, RejectsAlgNone) {
  const std::string payload = Base64UrlEncode(Claims().Json());
  for (const char* alg : {"none", "None", "NONE"}) {
    const std::string header = Base64UrlEncode(Header(alg));
    ExpectRejected(*Hs256Verifier(), absl::StrCat(header, ".", payload, "."),
                   "token algorithm not allowed");
    // Even with a valid HMAC over it.
    ExpectRejected(*Hs256Verifier(),
                   Sign(Hs256Key(), Header(alg), Claims().Json()),
                   "token algorithm not allowed");
  }
}

TEST(JwtVerifierTest, RejectsOtherAlgorithms) {
  for (const char* alg :
       {"hs256", "HS384", "HS512", "RS256", "ES256", "PS256"}) {
    ExpectRejected(*Hs256Verifier(),
                   Sign(Hs256Key(), Header(alg), Claims().Json()),
                   "token algorithm not allowed");
  }
  ExpectRejected(*Hs256Verifier(),
                 Sign(Hs256Key(), R"({"typ":"JWT"})", Claims().Json()),
                 "malformed token: no alg");
  ExpectRejected(*Hs256Verifier(),
                 Sign(Rs256Key(0), Header("RS256"), Claims().Json()),
                 "token algorithm not allowed");
}

TEST(JwtVerifierTest, RejectsTamperedPayload) {
  const std::string token = Hs256Token();
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  Claims other;
  other.sub = "\"bob\"";
  parts[1] = Base64UrlEncode(other.Json());
  ExpectRejected(*Hs256Verifier(), absl::StrJoin(parts, "."),
                 "invalid token signature");
}

TEST(JwtVerifierTest, RejectsTamperedSignature) {
  std::string token = Hs256Token();
  const size_t sig = token.rfind('.') + 1;
  token[sig] = token[sig] == 'A' ? 'B' : 'A';
  ExpectRejected(*Hs256Verifier(), token, "invalid token signature");
  // A truncated signature decodes fine but is too short.
  const std::string full = Hs256Token();
  ExpectRejected(*Hs256Verifier(), full.substr(0, full.size() - 3),
                 "invalid token signature");
}

TEST(JwtVerifierTest, RejectsTokenSignedWithOtherSecret) {
  ExpectRejected(
      *Hs256Verifier(),
      Sign(Hs256Key(std::string(32, 'x')), Header("HS256"), Claims().Json()),
      "invalid token signature");
}

TEST(JwtVerifierTest, RejectsMalformedTokens) {
  const std::string header = Base64UrlEncode(Header("HS256"));
  const std::string payload = Base64UrlEncode(Claims().Json());
  const std::string sig = Base64UrlEncode(std::string(32, 'z'));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "missing bearer token"},
      {"garbage", "not three dot-separated parts"},
      {absl::StrCat(header, ".", payload), "not three dot-separated parts"},
      {absl::StrCat(header, ".", payload, ".", sig, ".", sig),
       "not three dot-separated parts"},
      {absl::StrCat("!!", header, ".", payload, ".", sig),
       "header is not base64url"},
      {absl::StrCat(header, "=.", payload, ".", sig),
       "header is not base64url"},
      {absl::StrCat(header, " .", payload, ".", sig),
       "header is not base64url"},
      {absl::StrCat(Base64UrlEncode("{\"alg\":"), ".", payload, ".", sig),
       "header is not a JSON object"},
      {absl::StrCat(Base64UrlEncode("[\"HS256\"]"), ".", payload, ".", sig),
       "header is not a JSON object"},
      {absl::StrCat(Base64UrlEncode(std::string("{\"alg\":\"HS256\"}\0x", 17)),
                    ".", payload, ".", sig),
       "header is not a JSON object"},
      {absl::StrCat(header, ".", payload, ".", sig, "*"),
       "signature is not base64url"},
      {"..", "header is not a JSON object"},
  };
  for (const auto& [token, reason] : cases) {
    SCOPED_TRACE(token);
    ExpectRejected(*Hs256Verifier(), token, reason);
  }
}

TEST(JwtVerifierTest, RejectsSignedButMalformedPayload) {
  for (const char* payload : {"", "{", "[]", "\"alice\"", "{\"sub\":\"a\",}",
                              "{\"exp\":1,\"exp\":2}", "{\"sub\":\"\xff\"}"}) {
    SCOPED_TRACE(payload);
    ExpectRejected(*Hs256Verifier(), Sign(Hs256Key(), Header("HS256"), payload),
                   "payload is not a JSON object");
  }
}

TEST(JwtVerifierTest, RejectsPayloadThatIsNotBase64) {
  std::string token = Hs256Token();
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  const std::string signing_input = absl::StrCat(parts[0], ".", parts[1], "+");
  const std::string signature = *Hs256Key().Sign(signing_input);
  ExpectRejected(*Hs256Verifier(),
                 absl::StrCat(signing_input, ".", Base64UrlEncode(signature)),
                 "payload is not base64url");
}

TEST(JwtVerifierTest, RejectsDuplicateHeaderMembersAndCrit) {
  ExpectRejected(
      *Hs256Verifier(),
      Sign(Hs256Key(), R"({"alg":"HS256","alg":"none"})", Claims().Json()),
      "header is not a JSON object");
  ExpectRejected(
      *Hs256Verifier(),
      Sign(Hs256Key(), R"({"alg":"HS256","crit":["exp"]})", Claims().Json()),
      "crit");
}

TEST(JwtVerifierTest, RejectsOversizedToken) {
  Claims claims;
  claims.extra = absl::StrCat("\"pad\":\"", std::string(7000, 'p'), "\"");
  const std::string token = Hs256Token(claims);
  ASSERT_GT(token.size(), kMaxTokenBytes);
  ExpectRejected(*Hs256Verifier(), token, "token too large");
  ExpectRejected(*Hs256Verifier(), std::string(kMaxTokenBytes + 1, 'a'),
                 "token too large");
}

TEST(JwtVerifierTest, DeeplyNestedClaimsDoNotCrash) {
  Claims claims;
  claims.extra =
      absl::StrCat("\"deep\":", std::string(2500, '['), std::string(2500, ']'));
  EXPECT_THAT(Hs256Verifier()->Verify(Hs256Token(claims), kNow), IsOk());
}

TEST(JwtVerifierTest, AdminClaimGrantsAdmin) {
  Claims claims;
  claims.extra = "\"admin\":true";
  EXPECT_TRUE(Hs256Verifier()->Verify(Hs256Token(claims), kNow)->admin);
  claims.extra = "\"roles\":[\"reader\",\"admin\"]";
  EXPECT_TRUE(Hs256Verifier()->Verify(Hs256Token(claims), kNow)->admin);
  for (const char* not_admin :
       {"\"admin\":false", "\"admin\":\"true\"", "\"admin\":1",
        "\"roles\":[\"reader\"]", "\"roles\":\"admin\""}) {
    claims.extra = not_admin;
    absl::StatusOr<Identity> identity =
        Hs256Verifier()->Verify(Hs256Token(claims), kNow);
    ASSERT_THAT(identity, IsOk()) << not_admin;
    EXPECT_FALSE(identity->admin) << not_admin;
  }
}

TEST(JwtVerifierTest, AdminClaimNameIsConfigurable) {
  VerifierOptions options = BaseOptions(Algorithm::kHs256);
  options.hs256_secret = kSecret;
  options.admin_claim = "sandboxd_admin";
  std::unique_ptr<JwtVerifier> verifier = *JwtVerifier::Create(options);
  Claims claims;
  claims.extra = "\"admin\":true";
  EXPECT_FALSE(verifier->Verify(Hs256Token(claims), kNow)->admin);
  claims.extra = "\"sandboxd_admin\":true";
  EXPECT_TRUE(verifier->Verify(Hs256Token(claims), kNow)->admin);
  options = BaseOptions(Algorithm::kHs256);
  options.hs256_secret = kSecret;
  options.admin_claim = "";
  verifier = *JwtVerifier::Create(options);
  claims.extra = "\"admin\":true";
  EXPECT_FALSE(verifier->Verify(Hs256Token(claims), kNow)->admin);
}

TEST(JwtVerifierTest, VerifiesConcurrently) {
  std::unique_ptr<JwtVerifier> verifier = Hs256Verifier();
  const std::string good = Hs256Token();
  Claims expired;
  expired.exp = "1";
  const std::string bad = Hs256Token(expired);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (!verifier->Verify(good, kNow).ok()) ++failures[t];
        if (verifier->Verify(bad, kNow).ok()) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
}

TEST(JwtVerifierTest, AcceptsValidRs256Token) {
  std::unique_ptr<JwtVerifier> verifier =
      PemVerifier(Algorithm::kRs256, RsaKey(0).public_pem);
  absl::StatusOr<Identity> identity = verifier->Verify(
      Sign(Rs256Key(0), Header("RS256"), Claims().Json()), kNow);
  ASSERT_THAT(identity, IsOk());
  EXPECT_EQ(identity->subject, "alice");
  ExpectRejected(*verifier, Sign(Rs256Key(1), Header("RS256"), Claims().Json()),
                 "invalid token signature");
}

TEST(JwtVerifierTest, RejectsHs256TokenKeyedWithTheRsaPublicKey) {
  // The classic algorithm confusion: an attacker HMACs with the public key.
  const std::string& pem = RsaKey(0).public_pem;
  const std::string forged =
      Sign(*SigningKey::FromSecret(pem), Header("HS256"), Claims().Json());
  ExpectRejected(*PemVerifier(Algorithm::kRs256, pem), forged,
                 "token algorithm not allowed");
  ExpectRejected(*PemVerifier(Algorithm::kEs256, EcKey(0).public_pem),
                 Sign(*SigningKey::FromSecret(EcKey(0).public_pem),
                      Header("HS256"), Claims().Json()),
                 "token algorithm not allowed");
}

TEST(JwtVerifierTest, AcceptsValidEs256Token) {
  std::unique_ptr<JwtVerifier> verifier =
      PemVerifier(Algorithm::kEs256, EcKey(0).public_pem);
  const std::string token = Sign(Es256Key(0), Header("ES256"), Claims().Json());
  ASSERT_THAT(verifier->Verify(token, kNow), IsOk());
  ExpectRejected(*verifier, Sign(Es256Key(1), Header("ES256"), Claims().Json()),
                 "invalid token signature");
  ExpectRejected(*verifier, Sign(Rs256Key(0), Header("RS256"), Claims().Json()),
                 "token algorithm not allowed");
}

TEST(JwtVerifierTest, RejectsEs256SignatureNotInJoseForm) {
  std::unique_ptr<JwtVerifier> verifier =
      PemVerifier(Algorithm::kEs256, EcKey(0).public_pem);
  std::string token = Sign(Es256Key(0), Header("ES256"), Claims().Json());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  // 63 bytes, then 65 bytes: neither is R||S.
  std::string raw = *Base64UrlDecode(parts[2]);
  parts[2] = Base64UrlEncode(raw.substr(1));
  ExpectRejected(*verifier, absl::StrJoin(parts, "."),
                 "invalid token signature");
  parts[2] = Base64UrlEncode(raw + "x");
  ExpectRejected(*verifier, absl::StrJoin(parts, "."),
                 "invalid token signature");
}

TEST(JwtVerifierTest, JwksSelectsKeyByKid) {
  VerifierOptions options = BaseOptions(Algorithm::kRs256);
  options.jwks_json = absl::StrCat(
      R"({"keys":[)", Jwk(RsaKey(0), "k0", R"(,"use":"sig","alg":"RS256")"),
      ",", Jwk(RsaKey(1), "k1"), ",", Jwk(EcKey(0), "ec"), "]}");
  absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier =
      JwtVerifier::Create(options);
  ASSERT_THAT(verifier, IsOk());
  const std::string payload = Claims().Json();
  EXPECT_THAT((*verifier)->Verify(
                  Sign(Rs256Key(0), Header("RS256", "k0"), payload), kNow),
              IsOk());
  EXPECT_THAT((*verifier)->Verify(
                  Sign(Rs256Key(1), Header("RS256", "k1"), payload), kNow),
              IsOk());
  ExpectRejected(**verifier, Sign(Rs256Key(0), Header("RS256", "k1"), payload),
                 "invalid token signature");
  ExpectRejected(**verifier, Sign(Rs256Key(0), Header("RS256", "k9"), payload),
                 "unknown token kid");
  ExpectRejected(**verifier, Sign(Rs256Key(0), Header("RS256", "ec"), payload),
                 "unknown token kid");
  ExpectRejected(**verifier, Sign(Rs256Key(0), Header("RS256"), payload),
                 "token has no kid");
}

TEST(JwtVerifierTest, JwksServesEs256Keys) {
  VerifierOptions options = BaseOptions(Algorithm::kEs256);
  options.jwks_json = absl::StrCat(R"({"keys":[)", Jwk(EcKey(1), "e1"), ",",
                                   Jwk(RsaKey(0), "r0"), "]}");
  std::unique_ptr<JwtVerifier> verifier = *JwtVerifier::Create(options);
  EXPECT_THAT(
      verifier->Verify(
          Sign(Es256Key(1), Header("ES256", "e1"), Claims().Json()), kNow),
      IsOk());
}

TEST(JwtVerifierTest, CreateReportsBadJwks) {
  VerifierOptions options = BaseOptions(Algorithm::kRs256);
  options.jwks_json = R"({"keys":[]})";
  EXPECT_THAT(JwtVerifier::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "auth: jwks: no RS256 signing key"));
}

TEST(JwtVerifierTest, CreateRejectsWeakOrMismatchedKeys) {
  VerifierOptions options = BaseOptions(Algorithm::kRs256);
  options.public_key_pem = GenerateRsaKey(1024).public_pem;
  EXPECT_THAT(JwtVerifier::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "at least 2048"));
  options.public_key_pem = EcKey(0).public_pem;
  EXPECT_THAT(JwtVerifier::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "needs an RSA key"));
  options = BaseOptions(Algorithm::kEs256);
  options.public_key_pem = GenerateEcKey("P-384").public_pem;
  EXPECT_THAT(JwtVerifier::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "P-256"));
  options.public_key_pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n";
  EXPECT_THAT(JwtVerifier::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a PEM public"));
}

TEST(JwtVerifierTest, CreateRejectsBadOptions) {
  VerifierOptions options = BaseOptions(Algorithm::kHs256);
  options.hs256_secret = std::string(31, 's');
  EXPECT_THAT(
      JwtVerifier::Create(options),
      StatusIs(absl::StatusCode::kInvalidArgument, "at least 32 bytes"));
  options.hs256_secret = kSecret;
  options.public_key_pem = RsaKey(0).public_pem;
  EXPECT_THAT(JwtVerifier::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "exactly one"));
  options = BaseOptions(Algorithm::kRs256);
  options.hs256_secret = kSecret;
  EXPECT_THAT(JwtVerifier::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a secret"));
  options = BaseOptions(Algorithm::kHs256);
  options.hs256_secret = kSecret;
  options.issuer = "";
  EXPECT_THAT(JwtVerifier::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "issuer"));
  options = BaseOptions(Algorithm::kHs256);
  options.hs256_secret = kSecret;
  options.audience = "";
  EXPECT_THAT(JwtVerifier::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "audience"));
  options = BaseOptions(Algorithm::kHs256);
  options.hs256_secret = kSecret;
  options.leeway = absl::Seconds(-1);
  EXPECT_THAT(JwtVerifier::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "leeway"));
}

TEST(BearerTokenTest, ExtractsTokenWithAnySchemeCase) {
  EXPECT_EQ(*BearerToken("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(*BearerToken("bearer abc"), "abc");
  EXPECT_EQ(*BearerToken("  BEARER \t abc  "), "abc");
}

TEST(BearerTokenTest, RejectsMissingOrOtherSchemes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "missing bearer token"},
      {"   ", "missing bearer token"},
      {"Bearer", "missing bearer token"},
      {"Bearer   ", "missing bearer token"},
      {"Basic dXNlcjpwYXNz", "authorization scheme is not Bearer"},
      {"Bearerabc.def", "authorization scheme is not Bearer"},
      {"abc.def.ghi", "authorization scheme is not Bearer"},
      {"Bearer abc def", "malformed bearer token"},
      {"Bearer abc\x01", "malformed bearer token"},
  };
  for (const auto& [header, reason] : cases) {
    SCOPED_TRACE(header);
    absl::StatusOr<std::string> token = BearerToken(header);
    EXPECT_THAT(token, StatusIs(absl::StatusCode::kUnauthenticated, reason));
    if (header.size() > 6) {
      EXPECT_THAT(std::string(token.status().message()),
                  Not(HasSubstr(header.substr(header.size() - 5))));
    }
  }
}

}  // namespace
}  // namespace sandboxd::auth
