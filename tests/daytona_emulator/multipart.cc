#include "tests/daytona_emulator/multipart.h"

#include "absl/strings/ascii.h"

namespace sandboxd::emulator {
namespace {

// The value of `key` ("name", "filename") in a Content-Disposition header.
std::string DispositionParam(const std::string& header,
                             const std::string& key) {
  const std::string needle = key + "=\"";
  size_t pos = 0;
  while ((pos = header.find(needle, pos)) != std::string::npos) {
    // Make sure we matched `name=` and not the tail of `filename=`.
    if (pos == 0 || header[pos - 1] == ' ' || header[pos - 1] == ';') {
      size_t end = header.find('"', pos + needle.size());
      if (end == std::string::npos) return "";
      return header.substr(pos + needle.size(), end - pos - needle.size());
    }
    pos += needle.size();
  }
  return "";
}

}  // namespace

absl::StatusOr<std::vector<FormPart>> ParseMultipart(
    const std::string& content_type, const std::string& body) {
  const std::string lower = absl::AsciiStrToLower(content_type);
  if (lower.rfind("multipart/form-data", 0) != 0) {
    return absl::InvalidArgumentError("expected multipart/form-data");
  }
  size_t b = lower.find("boundary=");
  if (b == std::string::npos) return absl::InvalidArgumentError("no boundary");
  std::string boundary = content_type.substr(b + 9);
  size_t semi = boundary.find(';');
  if (semi != std::string::npos) boundary.resize(semi);
  if (boundary.size() >= 2 && boundary.front() == '"') {
    boundary = boundary.substr(1, boundary.size() - 2);
  }
  const std::string delimiter = "--" + boundary;
  std::vector<FormPart> parts;
  size_t pos = body.find(delimiter);
  if (pos == std::string::npos) return absl::InvalidArgumentError("no parts");
  for (;;) {
    pos += delimiter.size();
    if (body.compare(pos, 2, "--") == 0) return parts;  // closing delimiter
    if (body.compare(pos, 2, "\r\n") != 0) {
      return absl::InvalidArgumentError("malformed delimiter");
    }
    pos += 2;
    size_t header_end = body.find("\r\n\r\n", pos);
    if (header_end == std::string::npos) {
      return absl::InvalidArgumentError("unterminated part header");
    }
    FormPart part;
    size_t line_start = pos;
    while (line_start < header_end + 2) {
      size_t line_end = body.find("\r\n", line_start);
      std::string line = body.substr(line_start, line_end - line_start);
      if (absl::AsciiStrToLower(line).rfind("content-disposition:", 0) == 0) {
        part.name = DispositionParam(line, "name");
        part.filename = DispositionParam(line, "filename");
      }
      line_start = line_end + 2;
    }
    size_t data_start = header_end + 4;
    size_t next = body.find("\r\n" + delimiter, data_start);
    if (next == std::string::npos) {
      return absl::InvalidArgumentError("unterminated part");
    }
    part.data = body.substr(data_start, next - data_start);
    parts.push_back(std::move(part));
    pos = next + 2;
  }
}

}  // namespace sandboxd::emulator
