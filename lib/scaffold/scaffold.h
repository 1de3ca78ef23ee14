// lib/scaffold: turns a model's generated file map (in any of the shapes the
// product accepts) into a complete NextJS project plus a build plan. Pure: no
// I/O. Used by lib/core's build pipeline and by both providers.
#ifndef SANDBOXD_LIB_SCAFFOLD_SCAFFOLD_H_
#define SANDBOXD_LIB_SCAFFOLD_SCAFFOLD_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sandboxd::scaffold {

// How the app will run.
enum class Mode { kDev, kProduction };

// Input limits; every violation is INVALID_ARGUMENT naming the path or field.
struct Limits {
  size_t max_files = 1000;
  size_t max_file_bytes = 10 * 1024 * 1024;
  size_t max_total_bytes = 100 * 1024 * 1024;
  size_t max_env_vars = 128;
  size_t max_env_value_bytes = 32 * 1024;
  size_t max_build_script_bytes = 4096;
};

// What the caller sent (the Create request's relevant fields).
struct Request {
  std::map<std::string, std::string> generated_code;  // path -> content
  Mode mode = Mode::kDev;
  std::string build_script;                        // empty: `next build`
  std::map<std::string, std::string> environment;  // for the app
  // Marks this batch of files in the served HTML (lib/scaffold/generation.h);
  // empty: no marker. 1-100 of [A-Za-z0-9._-].
  std::string generation_token;
};

// How to install, build and run the project. Commands are shell command
// lines run with `sh -c` in the project directory inside the sandbox.
struct BuildPlan {
  std::string
      install_command;        // npm with --ignore-scripts --no-audit --no-fund
  std::string build_command;  // empty in DEV mode
  std::string start_command;  // listens on 127.0.0.1:`port`
  int port = 3000;
  std::map<std::string, std::string>
      environment;  // always has NEXT_TELEMETRY_DISABLED=1
  // The normalized dependency set (dependencies and devDependencies merged;
  // name -> validated registry spec) and its hash (lowercase hex SHA-256),
  // which providers use to share installed dependencies between sandboxes.
  std::map<std::string, std::string> dependencies;
  std::string dependency_fingerprint;
  // The request's generation token when the project carries the marker
  // (app router only): the app serves this batch once its HTML contains it.
  std::string generation_token;
  // The static pages ("/", "/about"), for warming them after a start.
  std::vector<std::string> routes;
};

// A complete project: every file to write (deterministic for a given
// request) and the plan.
struct Project {
  std::map<std::string, std::string> files;
  BuildPlan plan;
};

// Assembles the project. Errors: INVALID_ARGUMENT with a message that names
// the offending path or field, e.g.
//   generated_code["../x"]: path escapes the project
//   generated_code["package.json"]: dependency "foo": "file:../foo" is not a
//   registry version environment["1BAD"]: invalid variable name
absl::StatusOr<Project> Assemble(const Request& request,
                                 const Limits& limits = Limits());

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_SCAFFOLD_H_
