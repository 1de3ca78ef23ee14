// Fuzzes the generated_code path rules: ValidatePath on the whole input, and
// ValidatePathSet on its lines. Accepted paths must satisfy the invariants
// the providers rely on when they write files.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "lib/scaffold/path_validator.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckAccepted(const std::string& path) {
  Check(!path.empty() && path.size() <= sandboxd::scaffold::kMaxPathBytes);
  Check(path.front() != '/' && path.back() != '/');
  for (char c : path) {
    Check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F && c != '\\');
  }
  for (absl::string_view seg : absl::StrSplit(path, '/')) {
    std::string lower = absl::AsciiStrToLower(seg);
    Check(!seg.empty() && seg != "." && seg != "..");
    Check(lower != ".git" && lower != "node_modules");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  absl::Status status = sandboxd::scaffold::ValidatePath(input);
  if (status.ok()) {
    CheckAccepted(input);
  } else {
    Check(status.code() == absl::StatusCode::kInvalidArgument);
    Check(absl::StartsWith(status.message(), "generated_code[\""));
  }
  std::map<std::string, std::string> files;
  for (absl::string_view line : absl::StrSplit(input, '\n')) {
    if (sandboxd::scaffold::ValidatePath(line).ok()) files[std::string(line)];
  }
  status = sandboxd::scaffold::ValidatePathSet(files);
  Check(status.ok() || status.code() == absl::StatusCode::kInvalidArgument);
  return 0;
}
