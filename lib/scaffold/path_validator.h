// lib/scaffold: the rules for generated_code keys (relative, normalized,
// inside the project, no VCS or dependency folders, no case-only clashes).
// Used by Assemble and by the path fuzzer. Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_PATH_VALIDATOR_H_
#define SANDBOXD_LIB_SCAFFOLD_PATH_VALIDATOR_H_

#include <cstddef>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sandboxd::scaffold {

inline constexpr size_t kMaxPathBytes = 1024;
inline constexpr size_t kMaxPathSegmentBytes = 255;

// `generated_code["<path>"]` with quotes, backslashes and control bytes
// escaped, for error messages.
std::string CodeField(absl::string_view path);

// Checks one project-relative path. OK, or INVALID_ARGUMENT naming it:
//   generated_code["../x"]: path escapes the project
absl::Status ValidatePath(absl::string_view path);

// Checks a set of already valid paths against each other: no two that
// differ only by ASCII case, and no path that is also a directory of
// another. INVALID_ARGUMENT naming both paths.
absl::Status ValidatePathSet(const std::map<std::string, std::string>& files);

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_PATH_VALIDATOR_H_
