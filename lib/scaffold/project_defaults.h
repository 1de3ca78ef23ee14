// lib/scaffold: completes a generated project with what it lacks (root
// layout, globals.css, PostCSS/Tailwind/Next/TypeScript configs, .gitignore)
// and removes what must not reach npm (lockfiles; `.npmrc` is rejected).
// Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_PROJECT_DEFAULTS_H_
#define SANDBOXD_LIB_SCAFFOLD_PROJECT_DEFAULTS_H_

#include <vector>

#include "absl/status/status.h"
#include "lib/scaffold/project_layout.h"
#include "lib/scaffold/stack.h"
#include "lib/scaffold/templates.h"

namespace sandboxd::scaffold {

// Rejects a root `.npmrc` (it could point npm at another registry or turn
// install scripts back on) and drops lockfiles, which would pin a different
// dependency set than the merged package.json (and may name tarball URLs).
absl::Status RemoveNpmControlFiles(FileMap* files);

// Adds the missing default files. Keeps the generated configs that are
// valid: a PostCSS config is kept only if it wires the detected Tailwind
// major. INVALID_ARGUMENT for an unparsable tsconfig.json.
absl::Status AddProjectDefaults(const AppLayout& layout, TailwindMajor tailwind,
                                const std::vector<Rewrite>& rewrites,
                                FileMap* files);

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_PROJECT_DEFAULTS_H_
