// lib/scaffold: checks a Request against its Limits before anything else
// looks at it: file count and sizes, paths, UTF-8 contents, environment
// names and values, build script. Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_REQUEST_VALIDATOR_H_
#define SANDBOXD_LIB_SCAFFOLD_REQUEST_VALIDATOR_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/scaffold/scaffold.h"

namespace sandboxd::scaffold {

// INVALID_ARGUMENT naming the first offending field, e.g.
//   generated_code["a.txt"]: content is not valid UTF-8 at byte 12 ...
//   environment["1BAD"]: invalid variable name
//   build_script: longer than 4096 bytes
absl::Status ValidateRequest(const Request& request, const Limits& limits);

// Environment names must match [A-Za-z_][A-Za-z0-9_]*.
bool IsValidEnvName(absl::string_view name);

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_REQUEST_VALIDATOR_H_
