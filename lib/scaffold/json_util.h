// lib/scaffold: RapidJSON helpers shared by the package.json merger, the
// tsconfig check and the HTML converter: parsing with npm's semantics
// (strict JSON, the last duplicate key wins, bounded nesting), canonical and
// pretty output. Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_JSON_UTIL_H_
#define SANDBOXD_LIB_SCAFFOLD_JSON_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rapidjson/document.h"

namespace sandboxd::scaffold {

inline constexpr int kMaxJsonDepth = 64;

// Parses `text` into `doc`. `jsonc` also accepts comments and trailing
// commas (tsconfig.json). Duplicate keys are dropped except the last one, as
// JSON.parse does. INVALID_ARGUMENT "invalid JSON at line L, column C: ..."
// or "JSON nested deeper than 64 levels".
absl::Status ParseJson(absl::string_view text, bool jsonc,
                       rapidjson::Document* doc);

// The string's bytes (RapidJSON strings may hold NUL).
std::string JsonString(const rapidjson::Value& value);

rapidjson::Value JsonValue(absl::string_view s,
                           rapidjson::Document::AllocatorType& allocator);

// `s` as a JSON (and JavaScript) string literal, with quotes.
std::string JsonQuote(absl::string_view s);

// Compact JSON with object keys sorted (byte order), for hashing.
std::string CanonicalJson(const rapidjson::Value& value);

// 2-space indented JSON with a final newline, as npm writes package.json.
std::string PrettyJson(const rapidjson::Value& value);

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_JSON_UTIL_H_
