// lib/auth: strict JSON object parsing for JOSE headers, JWT claim sets and
// JWKS documents (RFC 7515 4, RFC 7519 4: an object, UTF-8, no duplicate
// member names). Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_AUTH_JSON_OBJECT_H_
#define SANDBOXD_LIB_AUTH_JSON_OBJECT_H_

#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "rapidjson/document.h"

namespace sandboxd::auth {

// Parses `text` into `doc`. INVALID_ARGUMENT "not JSON", "not a JSON
// object" or "duplicate member" (duplicates would let two parsers disagree
// on a claim). The parser is iterative, so nesting cannot exhaust the stack.
// The message never quotes `text`.
absl::Status ParseJsonObject(std::string_view text, rapidjson::Document* doc);

// The member `name` of `object`, or nullptr.
const rapidjson::Value* FindMember(const rapidjson::Value& object,
                                   const char* name);

// The string value, or nullopt if `value` is not a string.
std::optional<std::string_view> AsString(const rapidjson::Value& value);

}  // namespace sandboxd::auth

#endif  // SANDBOXD_LIB_AUTH_JSON_OBJECT_H_
