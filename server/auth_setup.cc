#include "server/auth_setup.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/auth/algorithm.h"
#include "lib/auth/secret_store.h"
#include "lib/auth/token_minter.h"
#include "lib/common/status_macros.h"

namespace sandboxd {
namespace {

// The key material for `config`: an HS256 secret, a PEM public key or a JWKS.
absl::StatusOr<auth::VerifierOptions> VerifierOptionsFor(
    const ServiceConfig& config, bool* generated) {
  auth::VerifierOptions options;
  ASSIGN_OR_RETURN(options.alg, auth::ParseAlgorithm(config.auth_alg));
  options.issuer = config.auth_issuer;
  options.audience = config.auth_audience;
  *generated = false;
  if (!config.auth_jwks_file.empty()) {
    ASSIGN_OR_RETURN(options.jwks_json,
                     auth::ReadKeyFile(config.auth_jwks_file));
  } else if (!config.auth_key_file.empty()) {
    if (options.alg == auth::Algorithm::kHs256) {
      ASSIGN_OR_RETURN(options.hs256_secret,
                       auth::ReadSecretKeyFile(config.auth_key_file));
    } else {
      ASSIGN_OR_RETURN(options.public_key_pem,
                       auth::ReadKeyFile(config.auth_key_file));
    }
  } else if (options.alg == auth::Algorithm::kHs256) {
    ASSIGN_OR_RETURN(options.hs256_secret,
                     auth::LoadOrCreateHs256Secret(config.data_dir, generated));
  } else {
    return absl::InvalidArgumentError(
        "--auth_key_file or --auth_jwks_file: required for RS256/ES256");
  }
  return options;
}

}  // namespace

bool IsLoopbackAddress(const std::string& host_port) {
  std::string host = host_port.substr(0, host_port.rfind(':'));
  return absl::StartsWith(host, "127.") || host == "localhost" ||
         host == "[::1]";
}

CallerResolver JwtCallers(std::shared_ptr<const auth::JwtVerifier> verifier) {
  return [verifier](const grpc::CallbackServerContext& context)
             -> absl::StatusOr<Caller> {
    const auto& metadata = context.client_metadata();
    auto it = metadata.find("authorization");
    if (it == metadata.end()) {
      return absl::UnauthenticatedError(
          "missing credentials: send \"authorization: Bearer <token>\"");
    }
    ASSIGN_OR_RETURN(std::string token,
                     auth::BearerToken(std::string_view(it->second.data(),
                                                        it->second.size())));
    ASSIGN_OR_RETURN(auth::Identity identity,
                     verifier->Verify(token, absl::Now()));
    return Caller{.owner = identity.subject, .admin = identity.admin};
  };
}

absl::StatusOr<CallerResolver> MakeCallerResolver(const ServiceConfig& config,
                                                  std::ostream& out) {
  if (config.insecure_no_auth) {
    if (!IsLoopbackAddress(config.grpc_addr) ||
        !IsLoopbackAddress(config.http_addr)) {
      return absl::InvalidArgumentError(
          "--insecure_no_auth: only allowed when --grpc_addr and --http_addr "
          "are loopback addresses");
    }
    return AnonymousCallers();
  }
  bool generated = false;
  ASSIGN_OR_RETURN(auth::VerifierOptions options,
                   VerifierOptionsFor(config, &generated));
  ASSIGN_OR_RETURN(std::unique_ptr<auth::JwtVerifier> verifier,
                   auth::JwtVerifier::Create(options));
  if (generated) {
    absl::StatusOr<std::string> token =
        MintToken(config, "admin", /*admin=*/true, absl::Hours(24 * 30));
    if (token.ok()) {
      out << "sandboxd: generated an HS256 key in " << config.data_dir
          << "/auth (mode 0600). An admin token valid for 30 days:\n\n  "
          << *token << "\n\n  sandboxctl --server " << config.grpc_addr
          << " --token " << *token << " list\n  curl -H 'Authorization: Bearer "
          << *token << "' http://" << config.http_addr << "/api/sandbox\n\n"
          << "More tokens: sandboxd mint-token --data_dir " << config.data_dir
          << " --sub NAME [--admin] [--ttl 1h]\n"
          << std::flush;
    }
  }
  return JwtCallers(
      std::shared_ptr<const auth::JwtVerifier>(std::move(verifier)));
}

absl::StatusOr<std::shared_ptr<const auth::PreviewTokens>> MakePreviewTokens(
    const ServiceConfig& config) {
  ASSIGN_OR_RETURN(std::string key,
                   auth::LoadOrCreatePreviewSecret(config.data_dir));
  auth::PreviewTokenOptions options;
  options.url_ttl = config.preview_token_ttl;
  options.cookie_ttl = config.preview_cookie_ttl;
  ASSIGN_OR_RETURN(
      std::unique_ptr<auth::PreviewTokens> tokens,
      auth::PreviewTokens::Create(std::move(key), MakeSystemClock(), options));
  return std::shared_ptr<const auth::PreviewTokens>(std::move(tokens));
}

absl::StatusOr<std::string> MintToken(const ServiceConfig& config,
                                      const std::string& subject, bool admin,
                                      absl::Duration ttl) {
  ASSIGN_OR_RETURN(auth::Algorithm alg, auth::ParseAlgorithm(config.auth_alg));
  if (alg != auth::Algorithm::kHs256) {
    return absl::FailedPreconditionError(
        "mint-token signs with the HS256 secret; RS256/ES256 tokens come from "
        "your identity provider");
  }
  auth::MinterOptions options;
  options.alg = alg;
  if (!config.auth_key_file.empty()) {
    ASSIGN_OR_RETURN(options.hs256_secret,
                     auth::ReadSecretKeyFile(config.auth_key_file));
  } else {
    ASSIGN_OR_RETURN(options.hs256_secret,
                     auth::LoadOrCreateHs256Secret(config.data_dir));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<auth::TokenMinter> minter,
                   auth::TokenMinter::Create(options));
  return minter->Mint(subject, admin, ttl, absl::Now(), config.auth_issuer,
                      config.auth_audience);
}

}  // namespace sandboxd
