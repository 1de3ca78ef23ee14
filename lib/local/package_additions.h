// Adding packages to a running sandbox's own node_modules instead of
// installing a whole new dependency set: after npm ran on a hard-linked
// copy, which top-level packages are new and may simply be moved in.
// Pure function; thread-safe.
#ifndef SANDBOXD_LIB_LOCAL_PACKAGE_ADDITIONS_H_
#define SANDBOXD_LIB_LOCAL_PACKAGE_ADDITIONS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace sandboxd::local {

// Compares npm's hidden lockfiles (node_modules/.package-lock.json) from
// before and after an install into a hard-linked copy of node_modules.
// Returns the new top-level packages ("zod", "@scope/name"): each is a
// directory that can be moved into the original node_modules as a whole.
// FAILED_PRECONDITION naming the package when npm changed or added
// anything inside a package that was there before (a different version,
// a newly nested dependency): moving only new directories would then
// leave a broken tree. Packages npm pruned from the copy are ignored (the
// original keeps them). INVALID_ARGUMENT if a lockfile is not valid JSON
// with a "packages" object.
absl::StatusOr<std::vector<std::string>> AddedTopLevelPackages(
    std::string_view before_lock, std::string_view after_lock);

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_PACKAGE_ADDITIONS_H_
