#include "lib/auth/algorithm.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace sandboxd::auth {
namespace {

using ::sandboxd::testing::StatusIs;

TEST(AlgorithmTest, ParsesJoseNamesRoundTrip) {
  for (Algorithm alg :
       {Algorithm::kHs256, Algorithm::kRs256, Algorithm::kEs256}) {
    EXPECT_EQ(ParseAlgorithm(AlgorithmName(alg)).value(), alg);
  }
  EXPECT_EQ(AlgorithmName(Algorithm::kEs256), "ES256");
}

TEST(AlgorithmTest, RejectsNoneAndOtherSpellings) {
  for (const char* name : {"none", "", "hs256", "HS512", "PS256", "RS256 "}) {
    EXPECT_THAT(ParseAlgorithm(name),
                StatusIs(absl::StatusCode::kInvalidArgument, "unsupported"))
        << name;
  }
}

}  // namespace
}  // namespace sandboxd::auth
