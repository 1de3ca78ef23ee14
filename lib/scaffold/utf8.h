// lib/scaffold: strict UTF-8 validation for generated file paths and
// contents (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
// Pure functions; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_UTF8_H_
#define SANDBOXD_LIB_SCAFFOLD_UTF8_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace sandboxd::scaffold {

// Returns the byte offset of the first invalid sequence, or nullopt when
// `text` is valid UTF-8.
std::optional<size_t> FindInvalidUtf8(absl::string_view text);

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_UTF8_H_
