// Test helper: loads the generated-app fixtures under
// tests/lib/scaffold/fixtures/<name>/ (code/ holds the generated files,
// request.json the mode, build script, environment and expectations).
// Used by scaffold_fixtures_test (unit) and scaffold_e2e_test (e2e).
#ifndef SANDBOXD_TESTS_LIB_SCAFFOLD_FIXTURE_LOADER_H_
#define SANDBOXD_TESTS_LIB_SCAFFOLD_FIXTURE_LOADER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/scaffold/scaffold.h"

namespace sandboxd::scaffold::testing {

struct Fixture {
  std::string name;
  std::string description;
  Request request;
  // Set for fixtures that Assemble must reject: a substring of the error.
  std::string expect_error;
  // URL path -> substring the response body must contain once it runs.
  std::map<std::string, std::string> expect_get;
};

// The fixture root compiled into the tests (SANDBOXD_SCAFFOLD_FIXTURES).
std::string FixtureRoot();

// Names of every fixture directory, sorted.
std::vector<std::string> FixtureNames();

absl::StatusOr<Fixture> LoadFixture(const std::string& name);

}  // namespace sandboxd::scaffold::testing

#endif  // SANDBOXD_TESTS_LIB_SCAFFOLD_FIXTURE_LOADER_H_
