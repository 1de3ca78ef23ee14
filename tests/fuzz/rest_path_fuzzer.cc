// Fuzzes the REST transcoder's google.api.http path templates
// (lib/http/rest_path_template.h). The input is "<template>\n<path>\n<values>":
// - every parse error is INVALID_ARGUMENT quoting the template;
// - a parsed template's variables cover ordered, disjoint segment ranges;
// - Match of the raw path never crashes and binds every variable once;
// - a path built from the template (literals and the values from <values>
//   percent-encoded) must match, and, without "**", bind exactly the values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/http/rest_path_template.h"

namespace {

using sandboxd::PathTemplate;
using Kind = PathTemplate::Segment::Kind;

constexpr size_t kMaxInput = 4096;
constexpr size_t kMaxMultiSegments = 2;  // backtracking is exponential in it

void Check(bool condition) {
  if (!condition) std::abort();
}

bool Unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string Encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    if (Unreserved(c)) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

// Splits at the first '\n': returns the head, leaves the rest in `input`.
std::string_view Take(std::string_view& input) {
  size_t newline = input.find('\n');
  std::string_view head = input.substr(0, newline);
  input = newline == std::string_view::npos ? std::string_view()
                                            : input.substr(newline + 1);
  return head;
}

void CheckStructure(const PathTemplate& parsed) {
  int previous_end = 0;
  for (const PathTemplate::Variable& variable : parsed.variables()) {
    Check(variable.start >= previous_end);
    Check(variable.start < variable.end);
    Check(variable.end <= static_cast<int>(parsed.segments().size()));
    Check(!variable.field_path.empty());
    previous_end = variable.end;
  }
  for (const PathTemplate::Segment& segment : parsed.segments()) {
    Check((segment.kind == Kind::kLiteral) == !segment.literal.empty());
    Check(segment.literal.find('/') == std::string::npos);
  }
  Check(parsed.verb().find('/') == std::string::npos);
}

void CheckMatch(const PathTemplate& parsed, std::string_view path) {
  std::optional<PathTemplate::Bindings> bindings = parsed.Match(path);
  if (!bindings) return;
  Check(bindings->size() == parsed.variables().size());
  for (size_t i = 0; i < bindings->size(); ++i) {
    Check((*bindings)[i].first == parsed.variables()[i].field_path);
  }
}

// Builds a path that the template must match; `expected` gets each
// segment's value (meaningful only without "**").
std::string BuildPath(const PathTemplate& parsed, std::string_view values,
                      std::vector<std::string>& expected) {
  std::string path;
  for (const PathTemplate::Segment& segment : parsed.segments()) {
    std::string_view value = Take(values);
    switch (segment.kind) {
      case Kind::kLiteral:
        path += "/" + Encode(segment.literal);
        expected.push_back(segment.literal);
        break;
      case Kind::kSingle: {
        std::string single = value.empty() ? "v" : std::string(value);
        path += "/" + Encode(single);
        expected.push_back(single);
        break;
      }
      case Kind::kMulti:
        // Zero or more segments: "a|b" gives two.
        for (size_t start = 0; !value.empty() && start <= value.size();) {
          size_t bar = value.find('|', start);
          if (bar == std::string_view::npos) bar = value.size();
          path += "/" + Encode(value.substr(start, bar - start));
          start = bar + 1;
        }
        break;
    }
  }
  if (path.empty()) path = "/";
  if (!parsed.verb().empty()) path += ":" + parsed.verb();
  return path;
}

void CheckRoundTrip(const PathTemplate& parsed, std::string_view values) {
  size_t multi = 0;
  for (const PathTemplate::Segment& segment : parsed.segments()) {
    multi += segment.kind == Kind::kMulti;
  }
  if (multi > kMaxMultiSegments) return;
  std::vector<std::string> expected;
  const std::string path = BuildPath(parsed, values, expected);
  // A verb that looks like a segment suffix of the template's own last
  // literal ("/a:b:b" style) is still matched from the end: must match.
  std::optional<PathTemplate::Bindings> bindings = parsed.Match(path);
  Check(bindings.has_value());
  Check(bindings->size() == parsed.variables().size());
  if (multi != 0) return;
  for (size_t i = 0; i < bindings->size(); ++i) {
    const PathTemplate::Variable& variable = parsed.variables()[i];
    std::string want;
    for (int s = variable.start; s < variable.end; ++s) {
      if (s > variable.start) want += '/';
      want += expected[s];
    }
    Check((*bindings)[i].second == want);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view text = Take(input);
  const std::string_view path = Take(input);

  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(text);
  if (!parsed.ok()) {
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    Check(parsed.status().message().find("path template") !=
          absl::string_view::npos);
    return 0;
  }
  CheckStructure(*parsed);
  size_t multi = 0;
  for (const PathTemplate::Segment& segment : parsed->segments()) {
    multi += segment.kind == Kind::kMulti;
  }
  if (multi <= kMaxMultiSegments) CheckMatch(*parsed, path);
  CheckRoundTrip(*parsed, input);

  absl::StatusOr<std::string> decoded = sandboxd::PercentDecode(path);
  if (decoded.ok()) {
    Check(decoded->size() <= path.size());
    absl::StatusOr<std::string> again =
        sandboxd::PercentDecode(Encode(*decoded));
    Check(again.ok() && *again == *decoded);
  } else {
    Check(decoded.status().code() == absl::StatusCode::kInvalidArgument);
  }
  return 0;
}
