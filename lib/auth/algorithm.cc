#include "lib/auth/algorithm.h"

#include "absl/status/status.h"

namespace sandboxd::auth {

std::string_view AlgorithmName(Algorithm alg) {
  switch (alg) {
    case Algorithm::kHs256:
      return "HS256";
    case Algorithm::kRs256:
      return "RS256";
    case Algorithm::kEs256:
      return "ES256";
  }
  return "unknown";
}

absl::StatusOr<Algorithm> ParseAlgorithm(std::string_view name) {
  for (Algorithm alg :
       {Algorithm::kHs256, Algorithm::kRs256, Algorithm::kEs256}) {
    if (name == AlgorithmName(alg)) return alg;
  }
  return absl::InvalidArgumentError(
      "unsupported JWT algorithm; use HS256, RS256 or ES256");
}

}  // namespace sandboxd::auth
