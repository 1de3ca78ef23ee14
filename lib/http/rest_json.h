// JSON ↔ protobuf the way grpc-gateway v2's default marshaler does it
// (protojson, EmitUnpopulated, lowerCamelCase, DiscardUnknown), for the REST
// transcoder (lib/http/rest_transcoder.h).
//
// Thread-safety: stateless functions.
#ifndef SANDBOXD_LIB_HTTP_REST_JSON_H_
#define SANDBOXD_LIB_HTTP_REST_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace sandboxd {

// lowerCamelCase names, zero values emitted, enums as names, 64-bit integers
// as strings, and unset singular message fields (outside oneofs) as `null`.
// INTERNAL if the message cannot be printed.
absl::StatusOr<std::string> MessageToRestJson(
    const google::protobuf::Message& message);

// Merges `json` into `message`: JSON or proto names, unknown fields ignored.
// An empty or all-blank body leaves the message as it is. INVALID_ARGUMENT
// for malformed JSON or a value of the wrong type.
absl::Status MergeRestJson(std::string_view json,
                           google::protobuf::Message& message);

// Merges `json` into the field `field_path` (proto names, "a.b") of
// `message`, as for a `body: "field"` binding.
absl::Status MergeRestJsonIntoField(std::string_view json,
                                    std::string_view field_path,
                                    google::protobuf::Message& message);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_REST_JSON_H_
