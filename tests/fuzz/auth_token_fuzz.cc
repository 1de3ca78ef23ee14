// Fuzzes bearer-token handling: arbitrary bytes go to JwtVerifier::Verify
// (HS256) as a raw token, through BearerToken as an Authorization header,
// and, to reach the claim checks behind the signature, as "<header>\n
// <payload>" JSON that is signed with the verifier's own secret first.
// Every outcome must be OK or UNAUTHENTICATED, an accepted identity must be
// well-formed, and no message may quote the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/auth/jwt_verifier.h"
#include "lib/auth/signing_key.h"

namespace {

using sandboxd::auth::Identity;

constexpr char kSecret[] = "fuzz-secret-0123456789abcdef-0123";
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

void Check(bool condition) {
  if (!condition) std::abort();
}

const sandboxd::auth::JwtVerifier& Verifier() {
  static const auto* verifier = [] {
    sandboxd::auth::VerifierOptions options;
    options.hs256_secret = kSecret;
    options.issuer = "fuzz-issuer";
    options.audience = "fuzz-audience";
    return sandboxd::auth::JwtVerifier::Create(options).value().release();
  }();
  return *verifier;
}

const sandboxd::auth::SigningKey& Key() {
  static const auto* key = new sandboxd::auth::SigningKey(
      sandboxd::auth::SigningKey::FromSecret(kSecret).value());
  return *key;
}

// `secret_part` must never appear in a message. Messages are fixed phrases
// with spaces, so only space-free parts of 16+ bytes are checked (shorter
// ones could match by accident).
void CheckResult(const absl::StatusOr<Identity>& result,
                 std::string_view secret_part) {
  if (result.ok()) {
    Check(!result->subject.empty() && result->subject.size() <= 256);
    Check(result->expires + absl::Seconds(30) > kNow);
    return;
  }
  Check(result.status().code() == absl::StatusCode::kUnauthenticated);
  const std::string_view message(result.status().message().data(),
                                 result.status().message().size());
  Check(!message.empty() && message.size() < 200);
  if (secret_part.size() >= 16 &&
      secret_part.find(' ') == std::string_view::npos) {
    Check(message.find(secret_part) == std::string_view::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckResult(Verifier().Verify(input, kNow), input);

  absl::StatusOr<std::string> bearer = sandboxd::auth::BearerToken(input);
  if (bearer.ok()) {
    Check(!bearer->empty() && input.find(*bearer) != std::string_view::npos);
    CheckResult(Verifier().Verify(*bearer, kNow), *bearer);
  } else {
    Check(bearer.status().code() == absl::StatusCode::kUnauthenticated);
  }

  const size_t newline = input.find('\n');
  const std::string_view header = newline == std::string_view::npos
                                      ? R"({"alg":"HS256","typ":"JWT"})"
                                      : input.substr(0, newline);
  const std::string_view payload =
      newline == std::string_view::npos ? input : input.substr(newline + 1);
  absl::StatusOr<std::string> token = Key().SignCompact(header, payload);
  Check(token.ok());
  CheckResult(Verifier().Verify(*token, kNow),
              std::string_view(*token).substr(token->rfind('.') + 1));
  return 0;
}
