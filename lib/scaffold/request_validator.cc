#include "lib/scaffold/request_validator.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/common/status_macros.h"
#include "lib/scaffold/path_validator.h"
#include "lib/scaffold/utf8.h"

namespace sandboxd::scaffold {
namespace {

std::string EnvField(absl::string_view name) {
  std::string out = "environment[\"";
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    } else {
      out.push_back(ch);
    }
  }
  return out + "\"]";
}

std::string Bytes(size_t n) {
  if (n >= 1024 * 1024 && n % (1024 * 1024) == 0) {
    return absl::StrCat(n / (1024 * 1024), " MB");
  }
  return absl::StrCat(n, " bytes");
}

absl::Status ValidateText(absl::string_view field, absl::string_view text,
                          absl::string_view what) {
  if (std::optional<size_t> bad = FindInvalidUtf8(text); bad.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", what, " is not valid UTF-8 at byte ", *bad,
                     " (only text is accepted)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateFiles(const std::map<std::string, std::string>& files,
                           const Limits& limits) {
  if (files.empty()) {
    return absl::InvalidArgumentError("generated_code: no files");
  }
  if (files.size() > limits.max_files) {
    return absl::InvalidArgumentError(
        absl::StrCat("generated_code: ", files.size(),
                     " files exceed the limit of ", limits.max_files));
  }
  size_t total = 0;
  for (const auto& [path, content] : files) {
    RETURN_IF_ERROR(ValidatePath(path));
    if (content.size() > limits.max_file_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          CodeField(path), ": ", Bytes(content.size()),
          " exceed the per-file limit of ", Bytes(limits.max_file_bytes)));
    }
    total += content.size();
    if (total > limits.max_total_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("generated_code: files exceed the total limit of ",
                       Bytes(limits.max_total_bytes)));
    }
    RETURN_IF_ERROR(ValidateText(CodeField(path), content, "content"));
  }
  return ValidatePathSet(files);
}

absl::Status ValidateEnvironment(const std::map<std::string, std::string>& env,
                                 const Limits& limits) {
  if (env.size() > limits.max_env_vars) {
    return absl::InvalidArgumentError(
        absl::StrCat("environment: ", env.size(),
                     " variables exceed the limit of ", limits.max_env_vars));
  }
  for (const auto& [name, value] : env) {
    if (!IsValidEnvName(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(EnvField(name),
                       ": invalid variable name (must match "
                       "[A-Za-z_][A-Za-z0-9_]*)"));
    }
    if (value.size() > limits.max_env_value_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(EnvField(name), ": value exceeds the limit of ",
                       Bytes(limits.max_env_value_bytes)));
    }
    if (value.find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(EnvField(name), ": value contains a NUL byte"));
    }
    RETURN_IF_ERROR(ValidateText(EnvField(name), value, "value"));
  }
  return absl::OkStatus();
}

absl::Status ValidateBuildScript(const std::string& script,
                                 const Limits& limits) {
  if (script.size() > limits.max_build_script_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "build_script: longer than ", Bytes(limits.max_build_script_bytes)));
  }
  if (script.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("build_script: contains a NUL byte");
  }
  return ValidateText("build_script", script, "the script");
}

}  // namespace

bool IsValidEnvName(absl::string_view name) {
  if (name.empty() || absl::ascii_isdigit(name[0])) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

absl::Status ValidateRequest(const Request& request, const Limits& limits) {
  RETURN_IF_ERROR(ValidateFiles(request.generated_code, limits));
  RETURN_IF_ERROR(ValidateEnvironment(request.environment, limits));
  return ValidateBuildScript(request.build_script, limits);
}

}  // namespace sandboxd::scaffold
