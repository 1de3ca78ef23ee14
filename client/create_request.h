// Builds sandboxctl's CreateSandboxRequest from a project directory, a JSON
// body in the REST shape, single files and flags, and its ApplyFilesRequest
// from a directory, single files and deletions. Reads local files; no RPC.
// Used by CommandRunner and its tests.
#ifndef SANDBOXD_CLIENT_CREATE_REQUEST_H_
#define SANDBOXD_CLIENT_CREATE_REQUEST_H_

#include <istream>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/command_line.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd::client {

// True if `text` is well-formed UTF-8 with no NUL byte, i.e. a text file
// sandboxd can take as generated code.
bool IsUtf8Text(absl::string_view text);

// Every regular file under `dir` keyed by its '/'-separated relative path.
// Skips node_modules, .git and .next at any depth, symlinks and special
// files. NOT_FOUND if `dir` is not a directory; INVALID_ARGUMENT naming the
// file if one is not UTF-8 text; the underlying error if a read fails.
absl::StatusOr<std::map<std::string, std::string>> ReadProjectDir(
    const std::string& dir);

// Parses a CreateSandboxRequest from JSON (lowerCamelCase or proto field
// names). INVALID_ARGUMENT with the parser's message if it does not parse.
absl::StatusOr<sandbox::v1::CreateSandboxRequest> ParseCreateRequestJson(
    const std::string& json);

// Builds the request from `options`: the --json body first ("-" reads
// `stdin_stream`), then the --dir files, then the --file files (a later
// source wins for the same path), then the field flags, which override the
// JSON's fields (environment and labels are merged key by key).
absl::StatusOr<sandbox::v1::CreateSandboxRequest> BuildCreateRequest(
    const CreateOptions& options, std::istream& stdin_stream);

// Builds the ApplyFilesRequest for `sandbox_id` from `options`: the --dir
// files, then the --file files (a later source wins for the same path),
// then the --delete paths. Errors as ReadProjectDir, or naming the --file.
absl::StatusOr<sandbox::v1::ApplyFilesRequest> BuildApplyRequest(
    const std::string& sandbox_id, const ApplyOptions& options);

}  // namespace sandboxd::client

#endif  // SANDBOXD_CLIENT_CREATE_REQUEST_H_
