// lib/scaffold: merges a generated package.json with the pinned default
// stack: keeps what is valid, fills in what is missing, pins unpinned stack
// packages, and rejects non-registry dependencies. Used by Assemble and by
// the package.json fuzzer. Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_PACKAGE_JSON_H_
#define SANDBOXD_LIB_SCAFFOLD_PACKAGE_JSON_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/scaffold/stack.h"

namespace sandboxd::scaffold {

struct MergedPackageJson {
  std::string text;  // the package.json to write (2-space indent, newline)
  // What npm installs: dependencies, devDependencies and
  // optionalDependencies merged (name -> spec).
  std::map<std::string, std::string> dependencies;
  // `overrides` as canonical JSON (sorted keys), empty when absent.
  std::string overrides;
};

// `user_json` is the generated package.json, or nullopt when there is none.
// Errors: INVALID_ARGUMENT, prefixed with `generated_code["package.json"]: `,
// e.g. `dependency "foo": "file:../foo" is not a registry version (...)`.
absl::StatusOr<MergedPackageJson> MergePackageJson(
    std::optional<absl::string_view> user_json, TailwindMajor tailwind);

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_PACKAGE_JSON_H_
