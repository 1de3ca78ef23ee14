// Test helper for lib/scaffold tests: matches an INVALID_ARGUMENT status by
// message substring.
#ifndef SANDBOXD_TESTS_LIB_SCAFFOLD_TEST_UTIL_H_
#define SANDBOXD_TESTS_LIB_SCAFFOLD_TEST_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"

namespace sandboxd::scaffold::testing {

MATCHER_P(IsInvalidArgument, substring,
          std::string("is INVALID_ARGUMENT containing \"") + substring + "\"") {
  const absl::Status& status = arg;
  *result_listener << "status: " << status;
  return status.code() == absl::StatusCode::kInvalidArgument &&
         std::string(status.message()).find(substring) != std::string::npos;
}

}  // namespace sandboxd::scaffold::testing

#endif  // SANDBOXD_TESTS_LIB_SCAFFOLD_TEST_UTIL_H_
