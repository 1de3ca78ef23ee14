// lib/scaffold: the commands, environment and dependency fingerprint of an
// assembled project's BuildPlan. Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_BUILD_PLAN_H_
#define SANDBOXD_LIB_SCAFFOLD_BUILD_PLAN_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/scaffold/package_json.h"
#include "lib/scaffold/scaffold.h"

namespace sandboxd::scaffold {

// Install scripts never run (untrusted packages); the output stays quiet and
// peer-dependency conflicts common in generated package.json files do not
// abort the install.
inline constexpr char kInstallCommand[] =
    "npm install --ignore-scripts --no-audit --no-fund --no-update-notifier "
    "--no-progress --legacy-peer-deps --loglevel=error";
inline constexpr int kAppPort = 3000;
// Next 16 builds with Turbopack by default; `--turbopack` makes `next dev`
// use it on a generated project that pins Next 15 too.
inline constexpr char kDevStartCommand[] =
    "exec node_modules/.bin/next dev --turbopack -H 127.0.0.1 -p 3000";
inline constexpr char kBuildCommand[] = "node_modules/.bin/next build";
inline constexpr char kProductionStartCommand[] =
    "exec node_modules/.bin/next start -H 127.0.0.1 -p 3000";

// Lowercase hex SHA-256 of the canonical JSON of the install command,
// the dependency set and the overrides.
std::string DependencyFingerprint(
    absl::string_view install_command,
    const std::map<std::string, std::string>& dependencies,
    absl::string_view overrides_json);

// The plan for an already validated request and its merged package.json.
BuildPlan MakeBuildPlan(const Request& request,
                        const MergedPackageJson& package_json);

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_BUILD_PLAN_H_
