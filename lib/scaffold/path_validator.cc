#include "lib/scaffold/path_validator.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "lib/scaffold/utf8.h"

namespace sandboxd::scaffold {
namespace {

absl::Status PathError(absl::string_view path, absl::string_view reason) {
  return absl::InvalidArgumentError(
      absl::StrCat(CodeField(path), ": ", reason));
}

// Folders that must never come from generated code: VCS metadata, installed
// dependencies (they would shadow real packages) and Next's build output.
absl::string_view ReservedSegmentReason(absl::string_view lower_segment,
                                        bool first) {
  if (lower_segment == ".git") return "paths under .git/ are not allowed";
  if (lower_segment == "node_modules") {
    return "paths under node_modules/ are not allowed";
  }
  if (first && lower_segment == ".next") {
    return "paths under .next/ (build output) are not allowed";
  }
  return "";
}

}  // namespace

std::string CodeField(absl::string_view path) {
  std::string out = "generated_code[\"";
  for (char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20 || c == 0x7F) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    } else {
      out.push_back(ch);
    }
  }
  out += "\"]";
  return out;
}

absl::Status ValidatePath(absl::string_view path) {
  if (path.empty()) return PathError(path, "path is empty");
  if (path.size() > kMaxPathBytes) {
    return PathError(
        path, absl::StrCat("path is longer than ", kMaxPathBytes, " bytes"));
  }
  if (FindInvalidUtf8(path).has_value()) {
    return PathError(path, "path is not valid UTF-8");
  }
  for (char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      return PathError(path, "control characters are not allowed in paths");
    }
    if (c == '\\') return PathError(path, "backslashes are not allowed");
  }
  if (path.front() == '/') {
    return PathError(path, "absolute paths are not allowed");
  }
  if (path.size() >= 2 && absl::ascii_isalpha(path[0]) && path[1] == ':') {
    return PathError(path, "drive letters are not allowed");
  }
  bool first = true;
  for (absl::string_view segment : absl::StrSplit(path, '/')) {
    if (segment == "..") return PathError(path, "path escapes the project");
    if (segment.empty() || segment == ".") {
      return PathError(path, "path is not normalized");
    }
    if (segment.size() > kMaxPathSegmentBytes) {
      return PathError(path, absl::StrCat("a path segment is longer than ",
                                          kMaxPathSegmentBytes, " bytes"));
    }
    absl::string_view reason =
        ReservedSegmentReason(absl::AsciiStrToLower(segment), first);
    if (!reason.empty()) return PathError(path, reason);
    first = false;
  }
  return absl::OkStatus();
}

absl::Status ValidatePathSet(const std::map<std::string, std::string>& files) {
  std::map<std::string, std::string> by_lower;  // lowercased -> original
  for (const auto& [path, unused] : files) {
    auto [it, inserted] = by_lower.emplace(absl::AsciiStrToLower(path), path);
    if (!inserted) {
      return PathError(
          path, absl::StrCat("differs only by case from \"", it->second, "\""));
    }
  }
  // A path that is a prefix directory of another sorts right before its
  // children once '/' is the separator, but other characters ('-', '.') sort
  // between them, so check every ancestor explicitly.
  for (const auto& [path, unused] : files) {
    for (size_t pos = path.find('/'); pos != std::string::npos;
         pos = path.find('/', pos + 1)) {
      auto it = by_lower.find(absl::AsciiStrToLower(path.substr(0, pos)));
      if (it != by_lower.end()) {
        return PathError(it->second,
                         absl::StrCat("is a file, but \"", path,
                                      "\" needs it to be a directory"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace sandboxd::scaffold
