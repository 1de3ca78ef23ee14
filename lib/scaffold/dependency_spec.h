// lib/scaffold: which package.json dependency entries are allowed: registry
// package names with semver ranges, dist-tags, or `npm:` aliases to those.
// Local paths, git, URLs and workspace specs are rejected, because npm would
// fetch or link them outside the registry. Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_DEPENDENCY_SPEC_H_
#define SANDBOXD_LIB_SCAFFOLD_DEPENDENCY_SPEC_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sandboxd::scaffold {

// npm package name rules (validate-npm-package-name, allowing the
// upper-case names of old packages). INVALID_ARGUMENT:
//   dependency "../x": invalid package name
absl::Status ValidatePackageName(absl::string_view name);

// True for a valid semver range (including `*`, `x` and the empty string).
bool IsSemVerRange(absl::string_view spec);

// True for a dist-tag such as `latest`, `next` or `canary`.
bool IsDistTag(absl::string_view spec);

// Checks one `"name": "spec"` entry. INVALID_ARGUMENT naming it:
//   dependency "foo": "file:../foo" is not a registry version (local path)
absl::Status ValidateDependency(absl::string_view name, absl::string_view spec);

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_DEPENDENCY_SPEC_H_
