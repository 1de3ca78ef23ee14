// Fuzzes the REST transcoder's JSON body decoding (lib/http/rest_json.h)
// into the request messages of sandbox.v1. The first byte picks the message
// and whether the body binds the whole message or one of its fields; the
// rest is the body. Every error must be INVALID_ARGUMENT with a message; an
// accepted body must re-encode (MessageToRestJson) and decode back to an
// equal message, and that re-encoding must itself be stable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/message_differencer.h"
#include "lib/http/rest_json.h"
#include "sandbox/v1/sandbox.pb.h"

namespace {

using google::protobuf::Message;

constexpr size_t kMaxInput = 64 * 1024;

void Check(bool condition) {
  if (!condition) std::abort();
}

std::unique_ptr<Message> NewRequest(uint8_t pick) {
  switch (pick % 6) {
    case 0:
      return std::make_unique<sandbox::v1::CreateSandboxRequest>();
    case 1:
      return std::make_unique<sandbox::v1::GetSandboxRequest>();
    case 2:
      return std::make_unique<sandbox::v1::DeleteSandboxRequest>();
    case 3:
      return std::make_unique<sandbox::v1::ListSandboxesRequest>();
    case 4:
      return std::make_unique<sandbox::v1::WatchBuildRequest>();
    default:
      // A response too: it holds nested messages, enums and timestamps.
      return std::make_unique<sandbox::v1::CreateSandboxResponse>();
  }
}

void CheckError(const absl::Status& status) {
  Check(status.code() == absl::StatusCode::kInvalidArgument);
  Check(!status.message().empty());
}

void CheckReencodes(const Message& message) {
  absl::StatusOr<std::string> json = sandboxd::MessageToRestJson(message);
  Check(json.ok());
  std::unique_ptr<Message> decoded(message.New());
  Check(sandboxd::MergeRestJson(*json, *decoded).ok());
  Check(google::protobuf::util::MessageDifferencer::Equals(message, *decoded));
  absl::StatusOr<std::string> again = sandboxd::MessageToRestJson(*decoded);
  Check(again.ok());
  std::unique_ptr<Message> decoded_again(message.New());
  Check(sandboxd::MergeRestJson(*again, *decoded_again).ok());
  Check(google::protobuf::util::MessageDifferencer::Equals(message,
                                                           *decoded_again));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > kMaxInput) return 0;
  const uint8_t pick = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1),
                              size - 1);
  std::unique_ptr<Message> message = NewRequest(pick);
  absl::Status status;
  if ((pick & 0x80) == 0) {
    status = sandboxd::MergeRestJson(body, *message);
  } else {
    // `body: "<field>"`: a field of the message, picked by the first byte.
    const google::protobuf::Descriptor* type = message->GetDescriptor();
    const google::protobuf::FieldDescriptor* field =
        type->field(((pick >> 3) & 0x0f) % type->field_count());
    status = sandboxd::MergeRestJsonIntoField(body, field->name(), *message);
  }
  if (!status.ok()) {
    CheckError(status);
    return 0;
  }
  CheckReencodes(*message);
  return 0;
}
