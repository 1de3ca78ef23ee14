// How the SQLite store turns protos into rows and back: serialized records,
// corrupt blobs reported as DATA_LOSS, timestamps as integer microseconds.
// Used only inside lib/store. Pure functions, thread-safe.
#ifndef SANDBOXD_LIB_STORE_RECORDS_H_
#define SANDBOXD_LIB_STORE_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message_lite.h"
#include "google/protobuf/timestamp.pb.h"
#include "lib/common/status_macros.h"

namespace sandboxd::store_internal {

// Microseconds since the Unix epoch, saturating for out-of-range values.
int64_t TimestampMicros(const google::protobuf::Timestamp& timestamp);

// INVALID_ARGUMENT naming `what` if the message cannot be serialized (too
// large).
absl::StatusOr<std::string> SerializeRecord(
    const google::protobuf::MessageLite& message, std::string_view what);

// DATA_LOSS "store: <what>: record is corrupt" if `blob` does not parse.
absl::Status ParseRecord(std::string_view blob,
                         google::protobuf::MessageLite& message,
                         std::string_view what);

// "sandbox \"<id>\"", the name used in the store's messages.
std::string SandboxName(std::string_view sandbox_id);

// Annotate() for a StatusOr: "context: message" on error.
template <typename T>
absl::StatusOr<T> Annotated(absl::StatusOr<T> result,
                            const std::string& context) {
  if (result.ok()) return result;
  return Annotate(result.status(), context);
}

}  // namespace sandboxd::store_internal

#endif  // SANDBOXD_LIB_STORE_RECORDS_H_
