#include "client/create_request.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "lib/common/status_macros.h"

namespace sandboxd::client {
namespace {

namespace fs = std::filesystem;
using sandbox::v1::CreateSandboxRequest;

absl::StatusOr<std::string> ReadStream(std::istream& in,
                                       const std::string& name) {
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(name, ": read failed"));
  return buffer.str();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      return absl::NotFoundError(absl::StrCat("\"", path, "\": no such file"));
    }
    return absl::PermissionDeniedError(
        absl::StrCat("\"", path, "\": cannot open"));
  }
  return ReadStream(in, absl::StrCat("\"", path, "\""));
}

// Reads a file meant as generated code; refuses binary content.
absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string content, ReadFile(path));
  if (!IsUtf8Text(content)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", path,
        "\" is not UTF-8 text: binary files cannot be sent as generated code"));
  }
  return content;
}

bool IsSkippedDir(const fs::path& name) {
  return name == "node_modules" || name == ".git" || name == ".next";
}

// The number of bytes of the UTF-8 sequence starting with `lead`, 0 if
// `lead` cannot start one.
int SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

google::protobuf::Duration ToProtoDuration(absl::Duration d) {
  google::protobuf::Duration out;
  int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
  return out;
}

void ApplyFieldFlags(const CreateOptions& o, CreateSandboxRequest* r) {
  if (o.project_name) r->set_project_name(*o.project_name);
  if (o.description) r->set_description(*o.description);
  if (o.build_script) r->set_build_script(*o.build_script);
  if (o.request_id) r->set_request_id(*o.request_id);
  if (o.mode) r->set_mode(*o.mode);
  if (o.idle_timeout)
    *r->mutable_idle_timeout() = ToProtoDuration(*o.idle_timeout);
  if (o.wait) r->set_wait_until_ready(true);
  for (const auto& [k, v] : o.environment) (*r->mutable_environment())[k] = v;
  for (const auto& [k, v] : o.labels) (*r->mutable_labels())[k] = v;
}

}  // namespace

bool IsUtf8Text(absl::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    if (*p == 0) return false;
    int len = SequenceLength(*p);
    if (len == 0 || end - p < len) return false;
    for (int k = 1; k < len; ++k) {
      if ((p[k] & 0xC0) != 0x80) return false;
    }
    // Overlong 3- and 4-byte forms, UTF-16 surrogates and code points past
    // U+10FFFF are malformed even though their bytes have the right shape.
    if ((*p == 0xE0 && p[1] < 0xA0) || (*p == 0xED && p[1] > 0x9F) ||
        (*p == 0xF0 && p[1] < 0x90) || (*p == 0xF4 && p[1] > 0x8F)) {
      return false;
    }
    p += len;
  }
  return true;
}

absl::StatusOr<std::map<std::string, std::string>> ReadProjectDir(
    const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(
        absl::StrCat("--dir \"", dir, "\": not a directory"));
  }
  std::map<std::string, std::string> files;
  const fs::path root(dir);
  fs::recursive_directory_iterator it(root, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    fs::file_status status = entry.symlink_status(ec);
    if (ec) break;
    if (fs::is_directory(status)) {
      if (IsSkippedDir(entry.path().filename())) it.disable_recursion_pending();
      continue;
    }
    if (!fs::is_regular_file(status)) continue;
    ASSIGN_OR_RETURN(std::string content, ReadTextFile(entry.path().string()));
    files[entry.path().lexically_relative(root).generic_string()] =
        std::move(content);
  }
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("--dir \"", dir, "\": ", ec.message()));
  }
  return files;
}

absl::StatusOr<CreateSandboxRequest> ParseCreateRequestJson(
    const std::string& json) {
  CreateSandboxRequest request;
  auto status = google::protobuf::util::JsonStringToMessage(json, &request);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a CreateSandboxRequest: ",
        std::string(status.message().data(), status.message().size())));
  }
  return request;
}

absl::StatusOr<CreateSandboxRequest> BuildCreateRequest(
    const CreateOptions& options, std::istream& stdin_stream) {
  CreateSandboxRequest request;
  if (!options.json_file.empty()) {
    const bool from_stdin = options.json_file == "-";
    absl::StatusOr<std::string> json = from_stdin
                                           ? ReadStream(stdin_stream, "stdin")
                                           : ReadFile(options.json_file);
    if (!json.ok()) return json.status();
    absl::StatusOr<CreateSandboxRequest> parsed = ParseCreateRequestJson(*json);
    if (!parsed.ok()) {
      return Annotate(parsed.status(),
                      absl::StrCat("--json \"", options.json_file, "\""));
    }
    request = *std::move(parsed);
  }
  if (!options.dir.empty()) {
    ASSIGN_OR_RETURN(auto files, ReadProjectDir(options.dir));
    for (auto& [path, content] : files) {
      (*request.mutable_generated_code())[path] = std::move(content);
    }
  }
  for (const auto& [path, local] : options.files) {
    ASSIGN_OR_RETURN(std::string content, ReadTextFile(local));
    (*request.mutable_generated_code())[path] = std::move(content);
  }
  ApplyFieldFlags(options, &request);
  return request;
}

absl::StatusOr<sandbox::v1::ApplyFilesRequest> BuildApplyRequest(
    const std::string& sandbox_id, const ApplyOptions& options) {
  sandbox::v1::ApplyFilesRequest request;
  request.set_sandbox_id(sandbox_id);
  request.set_wait_until_applied(options.wait);
  if (!options.dir.empty()) {
    ASSIGN_OR_RETURN(auto files, ReadProjectDir(options.dir));
    for (auto& [path, content] : files) {
      (*request.mutable_files())[path] = std::move(content);
    }
  }
  for (const auto& [path, local] : options.files) {
    ASSIGN_OR_RETURN(std::string content, ReadTextFile(local));
    (*request.mutable_files())[path] = std::move(content);
  }
  for (const std::string& path : options.deleted) {
    request.add_deleted_paths(path);
  }
  return request;
}

}  // namespace sandboxd::client
