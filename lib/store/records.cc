#include "lib/store/records.h"

#include <limits>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace sandboxd::store_internal {

int64_t TimestampMicros(const google::protobuf::Timestamp& timestamp) {
  // absl::Time saturates to an infinite past/future instead of overflowing.
  return absl::ToUnixMicros(absl::FromUnixSeconds(timestamp.seconds()) +
                            absl::Nanoseconds(timestamp.nanos()));
}

absl::StatusOr<std::string> SerializeRecord(
    const google::protobuf::MessageLite& message, std::string_view what) {
  std::string bytes;
  if (message.ByteSizeLong() >
          static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !message.SerializeToString(&bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("store: ", std::string(what), ": cannot be serialized"));
  }
  return bytes;
}

absl::Status ParseRecord(std::string_view blob,
                         google::protobuf::MessageLite& message,
                         std::string_view what) {
  if (blob.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !message.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return absl::DataLossError(
        absl::StrCat("store: ", std::string(what), ": record is corrupt"));
  }
  return absl::OkStatus();
}

std::string SandboxName(std::string_view sandbox_id) {
  return absl::StrCat(
      "sandbox \"",
      absl::CHexEscape(absl::string_view(sandbox_id.data(), sandbox_id.size())),
      "\"");
}

}  // namespace sandboxd::store_internal
