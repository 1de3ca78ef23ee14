#include "lib/core/diagnostics.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace sandboxd {
namespace {

using ::sandbox::v1::Diagnostic;

constexpr std::string_view kSourceSuffixes[] = {".tsx", ".ts",  ".jsx", ".js",
                                                ".mjs", ".cjs", ".css", ".mdx"};

absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

bool LooksLikeSourcePath(std::string_view path) {
  if (path.empty() || path.size() > 512) return false;
  for (char c : path) {
    if (std::isspace(static_cast<unsigned char>(c))) return false;
  }
  for (std::string_view suffix : kSourceSuffixes) {
    if (path.size() > suffix.size() &&
        path.substr(path.size() - suffix.size()) == suffix) {
      return true;
    }
  }
  return false;
}

std::string CleanPath(std::string_view path) {
  if (path.substr(0, 2) == "./") path.remove_prefix(2);
  if (path.substr(0, 5) == "/app/") path.remove_prefix(5);
  return std::string(path);
}

sandbox::v1::Severity SeverityOf(std::string_view word) {
  if (word == "warning") return sandbox::v1::SEVERITY_WARNING;
  if (word == "info" || word == "message") return sandbox::v1::SEVERITY_INFO;
  return sandbox::v1::SEVERITY_ERROR;
}

// "path(line,col): error TS1234: message"
std::optional<Diagnostic> ParseTypeScript(std::string_view line) {
  size_t open = line.find('(');
  size_t close = line.find("): ");
  if (open == std::string_view::npos || close == std::string_view::npos ||
      close < open) {
    return std::nullopt;
  }
  std::string_view path = line.substr(0, open);
  std::string_view coords = line.substr(open + 1, close - open - 1);
  size_t comma = coords.find(',');
  int row = 0, col = 0;
  if (!LooksLikeSourcePath(path) || comma == std::string_view::npos ||
      !absl::SimpleAtoi(Absl(coords.substr(0, comma)), &row) ||
      !absl::SimpleAtoi(Absl(coords.substr(comma + 1)), &col)) {
    return std::nullopt;
  }
  std::string_view rest = line.substr(close + 3);
  size_t space = rest.find(' ');
  Diagnostic d;
  d.set_file(CleanPath(path));
  d.set_line(row);
  d.set_column(col);
  d.set_severity(SeverityOf(rest.substr(0, space)));
  d.set_message(std::string(rest));
  return d;
}

// "path:line:col" optionally followed by ": message"
std::optional<Diagnostic> ParseLocation(std::string_view line,
                                        std::string* message) {
  size_t first = line.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  std::string_view path = line.substr(0, first);
  if (!LooksLikeSourcePath(path)) return std::nullopt;
  std::string_view rest = line.substr(first + 1);
  size_t second = rest.find(':');
  if (second == std::string_view::npos) return std::nullopt;
  int row = 0, col = 0;
  if (!absl::SimpleAtoi(Absl(rest.substr(0, second)), &row))
    return std::nullopt;
  rest.remove_prefix(second + 1);
  size_t end = rest.find(':');
  std::string_view col_text = rest.substr(0, end);
  if (!absl::SimpleAtoi(Absl(col_text), &col)) return std::nullopt;
  if (end != std::string_view::npos) {
    *message =
        std::string(absl::StripAsciiWhitespace(Absl(rest.substr(end + 1))));
  }
  Diagnostic d;
  d.set_file(CleanPath(path));
  d.set_line(row);
  d.set_column(col);
  d.set_severity(sandbox::v1::SEVERITY_ERROR);
  return d;
}

}  // namespace

std::optional<Diagnostic> DiagnosticParser::Feed(std::string_view raw) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(Absl(raw));
  std::string_view line(trimmed.data(), trimmed.size());
  if (line.empty()) return std::nullopt;

  if (pending_location_.has_value()) {
    std::optional<Diagnostic> d = std::move(pending_location_);
    pending_location_.reset();
    for (std::string_view prefix :
         {"Type error: ", "Error: ", "Module not found: ", "Syntax error: "}) {
      if (line.substr(0, prefix.size()) == prefix) {
        d->set_message(std::string(line));
        return d;
      }
    }
  }
  if (std::optional<Diagnostic> d = ParseTypeScript(line)) return d;
  std::string message;
  if (std::optional<Diagnostic> d = ParseLocation(line, &message)) {
    if (message.empty()) {
      // Next prints the location on its own line and the error below it.
      pending_location_ = std::move(d);
      return std::nullopt;
    }
    d->set_message(message);
    return d;
  }
  return std::nullopt;
}

}  // namespace sandboxd
