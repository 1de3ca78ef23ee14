// Test helper for lib/local's unprivileged-mode tests: runs a scenario in a
// forked child as an unprivileged uid (65534 when the test runs as root,
// else the test's own uid) and brings its report back through a pipe, so
// that uid and namespace changes never touch the test process. Call it
// while the test process is single-threaded (the child runs normal code).
#ifndef SANDBOXD_TESTS_LIB_LOCAL_UNPRIVILEGED_CHILD_H_
#define SANDBOXD_TESTS_LIB_LOCAL_UNPRIVILEGED_CHILD_H_

#include <sys/types.h>

#include <functional>
#include <string>

namespace sandboxd::local::testing {

inline constexpr uid_t kUnprivilegedUid = 65534;
// A report starting with this makes the child exit with kSkipExitCode.
inline constexpr char kSkipPrefix[] = "SKIP: ";
inline constexpr int kSkipExitCode = 77;

struct ChildResult {
  int exit_code = -1;  // 0 iff the report is empty; 128 if killed
  std::string report;  // the scenario's failures, one a line
};

// `body` returns its failures ("" = passed).
ChildResult RunUnprivileged(const std::function<std::string()>& body);

// Writes all of `data` (retrying short writes). False on error.
bool WriteAll(int fd, const std::string& data);
// Reads to EOF.
std::string ReadAll(int fd);

}  // namespace sandboxd::local::testing

#endif  // SANDBOXD_TESTS_LIB_LOCAL_UNPRIVILEGED_CHILD_H_
