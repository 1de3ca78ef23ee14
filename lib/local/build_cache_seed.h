// The trusted seeds of `next build`'s cache, kept in the dependency store
// next to the installed modules: <deps>/<fingerprint>/next-build-cache,
// root-owned. A seed is built only from sandboxd's own template app, never
// taken from a user's build (one tenant must not feed another's builds);
// LocalProvider builds them (lib/local/build_cache_seed.cc) and copies one
// into each PRODUCTION project before its build. Pure; thread-safe.
#ifndef SANDBOXD_LIB_LOCAL_BUILD_CACHE_SEED_H_
#define SANDBOXD_LIB_LOCAL_BUILD_CACHE_SEED_H_

#include "absl/status/statusor.h"
#include "lib/scaffold/scaffold.h"
#include "lib/scaffold/stack.h"

namespace sandboxd::local {

// The seed's name in a dependency store entry.
inline constexpr char kBuildCacheSeedDir[] = "next-build-cache";

// The project whose build makes the seed for one Tailwind major: the warm
// template's page, layout and globals.css (lib/scaffold/warm_template.h) in
// PRODUCTION mode on the default stack, without the template's extra
// libraries, so that its dependency fingerprint is the one of a generated
// frontend (page, layout, globals.css) that brings no package.json.
absl::StatusOr<scaffold::Project> BuildCacheSeedTemplate(
    scaffold::TailwindMajor tailwind);

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_BUILD_CACHE_SEED_H_
