// Parses multipart/form-data bodies (RFC 7578) for the emulator's
// bulk-upload endpoint. Pure functions; test-only.
#ifndef SANDBOXD_TESTS_DAYTONA_EMULATOR_MULTIPART_H_
#define SANDBOXD_TESTS_DAYTONA_EMULATOR_MULTIPART_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sandboxd::emulator {

struct FormPart {
  std::string name;
  std::string filename;
  std::string data;
};

// INVALID_ARGUMENT when the content type has no boundary or the body is not
// well-formed multipart.
absl::StatusOr<std::vector<FormPart>> ParseMultipart(
    const std::string& content_type, const std::string& body);

}  // namespace sandboxd::emulator

#endif  // SANDBOXD_TESTS_DAYTONA_EMULATOR_MULTIPART_H_
