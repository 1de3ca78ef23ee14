// Query strings and path variables of REST requests → fields of the gRPC
// request message, by proto or JSON field name, as grpc-gateway v2's
// runtime.PopulateQueryParameters does (repeated keys, nested "a.b", enums by
// name or number, well-known types). Used by lib/http/rest_transcoder.h.
//
// Thread-safety: stateless functions; a message is only touched by the caller.
#ifndef SANDBOXD_LIB_HTTP_REST_QUERY_H_
#define SANDBOXD_LIB_HTTP_REST_QUERY_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace sandboxd {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Splits "a=1&b=x%20y+z" into decoded (key, value) pairs, in order ('+' is a
// space; a key without '=' has an empty value; empty pieces are skipped).
// INVALID_ARGUMENT for a malformed %-escape.
absl::StatusOr<QueryParams> ParseQueryString(std::string_view query);

// The fields named by "a.b" (each part a proto or a JSON name) from
// `descriptor` down. NOT_FOUND if a part names no field, INVALID_ARGUMENT if
// a non-final part is not a singular message field.
absl::StatusOr<std::vector<const google::protobuf::FieldDescriptor*>>
ResolveFieldPath(const google::protobuf::Descriptor* descriptor,
                 std::string_view path);

// Sets the field at `path` (from ResolveFieldPath on message's type) from
// text: one value for a singular field, each value appended to a repeated
// one. Intermediate messages are created. INVALID_ARGUMENT naming the field
// when a value does not parse, or several values meet a singular field.
absl::Status SetFieldFromText(
    google::protobuf::Message& message,
    const std::vector<const google::protobuf::FieldDescriptor*>& path,
    const std::vector<std::string>& values);

// Applies every query parameter to `message`. Parameters naming an unknown
// field are ignored, as are those at or under a field path listed in
// `excluded` (proto names, e.g. the path variables and the body field).
absl::Status PopulateQueryParameters(google::protobuf::Message& message,
                                     const QueryParams& params,
                                     const std::vector<std::string>& excluded);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_REST_QUERY_H_
