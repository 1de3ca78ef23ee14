// Status propagation macros (Abseil 20220623 ships none). Used across lib/,
// server/ and client/.
#ifndef SANDBOXD_LIB_COMMON_STATUS_MACROS_H_
#define SANDBOXD_LIB_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SANDBOXD_CONCAT_INNER_(a, b) a##b
#define SANDBOXD_CONCAT_(a, b) SANDBOXD_CONCAT_INNER_(a, b)

// Returns `expr` from the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)          \
  do {                                 \
    ::absl::Status _status = (expr);   \
    if (!_status.ok()) return _status; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());` binds the value or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(SANDBOXD_CONCAT_(_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                           \
  if (!statusor.ok()) return statusor.status();     \
  lhs = std::move(statusor).value()

namespace sandboxd {

// Returns `status` with `context` prepended to its message: "context: message".
inline absl::Status Annotate(const absl::Status& status,
                             absl::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), std::string(context) + ": " +
                                         std::string(status.message()));
}

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_COMMON_STATUS_MACROS_H_
