// The template app of the local provider's warm pool, and the rule for
// which generated projects may take over a sandbox started from it. Pure
// functions over lib/scaffold projects; thread-safe.
#ifndef SANDBOXD_LIB_LOCAL_WARM_TEMPLATE_H_
#define SANDBOXD_LIB_LOCAL_WARM_TEMPLATE_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/scaffold/scaffold.h"
#include "lib/scaffold/stack.h"

namespace sandboxd::local {

// The text the template page renders (tests look for it).
inline constexpr char kWarmTemplateMarker[] = "sandboxd warm template";

// The template project for one Tailwind major: the frontend's shape (page,
// layout, globals.css) on the default stack plus the libraries models
// commonly import (icons, class helpers, animation), in DEV mode, carrying
// `generation_token`.
absl::StatusOr<scaffold::Project> WarmTemplate(
    scaffold::TailwindMajor tailwind, std::string_view generation_token);

// Empty when every dependency in `wanted` (name -> spec) is in `installed`
// (name -> the spec it was installed from) with a spec that `wanted`
// accepts: the same text, or a pinned version inside the wanted range.
// Otherwise says which one is missing or mismatched.
std::string MissingDependency(
    const std::map<std::string, std::string>& installed,
    const std::map<std::string, std::string>& wanted);

// Why `project` cannot take over a running sandbox started from `warm`
// (empty when it can): a config file the dev server reads at start differs
// (next, PostCSS, Tailwind, TypeScript config; `next dev` restarts or
// mis-compiles on those), the app environment differs, or a dependency is
// missing from the template or pinned to a version its spec does not accept.
std::string WarmIncompatibility(const scaffold::Project& warm,
                                const scaffold::Project& project);

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_WARM_TEMPLATE_H_
