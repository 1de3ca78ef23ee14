#include "lib/http/rest_path_template.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sandboxd {
namespace {

bool IsIdent(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return !absl::ascii_isdigit(static_cast<unsigned char>(s[0]));
}

bool IsFieldPath(std::string_view s) {
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(s.data(), s.size()), '.')) {
    if (!IsIdent(std::string_view(part.data(), part.size()))) return false;
  }
  return true;
}

absl::Status Invalid(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "path template \"", std::string(text), "\": ", std::string(why)));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Appends the segments of `text` ("a/*/**") to `out`.
absl::Status ParseSegments(std::string_view full, std::string_view text,
                           std::vector<PathTemplate::Segment>& out) {
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(text.data(), text.size()), '/')) {
    PathTemplate::Segment segment;
    if (part == "*") {
      segment.kind = PathTemplate::Segment::Kind::kSingle;
    } else if (part == "**") {
      segment.kind = PathTemplate::Segment::Kind::kMulti;
    } else if (part.empty()) {
      return Invalid(full, "empty segment");
    } else if (part.find_first_of("{}*=") != absl::string_view::npos) {
      return Invalid(full, absl::StrCat("bad segment \"", part, "\""));
    } else {
      segment.literal = std::string(part);
    }
    out.push_back(std::move(segment));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> PercentDecode(std::string_view text,
                                          bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return absl::InvalidArgumentError("malformed percent escape");
    }
    int hi = HexValue(text[i + 1]);
    int lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError("malformed percent escape");
    }
    char decoded = static_cast<char>(hi * 16 + lo);
    if (keep_slash && decoded == '/') {
      out.append(text.substr(i, 3));
    } else {
      out.push_back(decoded);
    }
    i += 2;
  }
  return out;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(std::string_view text) {
  PathTemplate result;
  result.text_ = std::string(text);
  if (text.empty() || text[0] != '/') {
    return Invalid(text, "must start with '/'");
  }
  std::string_view rest = text.substr(1);
  // The verb is after the last ':' that is outside braces.
  int depth = 0;
  size_t verb_at = std::string_view::npos;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '{') ++depth;
    if (rest[i] == '}') --depth;
    if (rest[i] == ':' && depth == 0) verb_at = i;
  }
  if (verb_at != std::string_view::npos) {
    result.verb_ = std::string(rest.substr(verb_at + 1));
    if (result.verb_.empty() || result.verb_.find('/') != std::string::npos) {
      return Invalid(text, "bad verb");
    }
    rest = rest.substr(0, verb_at);
  }
  if (rest.empty()) return result;  // "/" or "/:verb"
  // Split at '/' outside braces.
  size_t i = 0;
  while (i <= rest.size()) {
    if (i < rest.size() && rest[i] == '{') {
      size_t close = rest.find('}', i);
      if (close == std::string_view::npos) return Invalid(text, "unclosed '{'");
      std::string_view inner = rest.substr(i + 1, close - i - 1);
      if (inner.find('{') != std::string_view::npos) {
        return Invalid(text, "nested variable");
      }
      size_t eq = inner.find('=');
      Variable variable;
      variable.field_path = std::string(inner.substr(0, eq));
      if (!IsFieldPath(variable.field_path)) {
        return Invalid(text, "bad field path");
      }
      for (const Variable& other : result.variables_) {
        if (other.field_path == variable.field_path) {
          return Invalid(text, "field bound twice");
        }
      }
      variable.start = static_cast<int>(result.segments_.size());
      if (eq == std::string_view::npos) {
        Segment single;
        single.kind = Segment::Kind::kSingle;
        result.segments_.push_back(single);
      } else {
        absl::Status parsed =
            ParseSegments(text, inner.substr(eq + 1), result.segments_);
        if (!parsed.ok()) return parsed;
      }
      variable.end = static_cast<int>(result.segments_.size());
      result.variables_.push_back(std::move(variable));
      i = close + 1;
      if (i < rest.size() && rest[i] != '/') {
        return Invalid(text, "variable must be a whole segment");
      }
      if (i == rest.size()) break;
      ++i;  // the '/'
      if (i == rest.size()) return Invalid(text, "empty segment");
      continue;
    }
    size_t slash = rest.find('/', i);
    std::string_view part =
        rest.substr(i, slash == std::string_view::npos ? std::string_view::npos
                                                       : slash - i);
    absl::Status parsed = ParseSegments(text, part, result.segments_);
    if (!parsed.ok()) return parsed;
    if (slash == std::string_view::npos) break;
    i = slash + 1;
    if (i == rest.size()) return Invalid(text, "empty segment");
  }
  return result;
}

namespace {

using Segment = PathTemplate::Segment;

// Matches template segments [ti..) against path parts [pi..); records where
// each template segment starts in `starts`.
bool MatchFrom(const std::vector<Segment>& segments, size_t ti,
               const std::vector<std::string_view>& parts, size_t pi,
               std::vector<size_t>& starts) {
  starts[ti] = pi;
  if (ti == segments.size()) return pi == parts.size();
  const Segment& segment = segments[ti];
  switch (segment.kind) {
    case Segment::Kind::kLiteral:
      return pi < parts.size() && parts[pi] == segment.literal &&
             MatchFrom(segments, ti + 1, parts, pi + 1, starts);
    case Segment::Kind::kSingle:
      return pi < parts.size() && !parts[pi].empty() &&
             MatchFrom(segments, ti + 1, parts, pi + 1, starts);
    case Segment::Kind::kMulti:
      // Greedy: the longest match first.
      for (size_t end = parts.size() + 1; end-- > pi;) {
        if (MatchFrom(segments, ti + 1, parts, end, starts)) return true;
      }
      return false;
  }
  return false;
}

}  // namespace

std::optional<PathTemplate::Bindings> PathTemplate::Match(
    std::string_view path) const {
  if (path.empty() || path[0] != '/') return std::nullopt;
  path.remove_prefix(1);
  if (!verb_.empty()) {
    std::string suffix = absl::StrCat(":", verb_);
    if (path.size() < suffix.size() ||
        path.substr(path.size() - suffix.size()) != suffix) {
      return std::nullopt;
    }
    path.remove_suffix(suffix.size());
  }
  std::vector<std::string_view> parts;
  if (!path.empty()) {
    size_t start = 0;
    while (true) {
      size_t slash = path.find('/', start);
      if (slash == std::string_view::npos) {
        parts.push_back(path.substr(start));
        break;
      }
      parts.push_back(path.substr(start, slash - start));
      start = slash + 1;
    }
  }
  // Literals compare against decoded segments.
  std::vector<std::string> decoded;
  decoded.reserve(parts.size());
  for (std::string_view part : parts) {
    absl::StatusOr<std::string> d = PercentDecode(part, /*keep_slash=*/true);
    if (!d.ok()) return std::nullopt;
    decoded.push_back(*std::move(d));
  }
  std::vector<std::string_view> views(decoded.begin(), decoded.end());
  std::vector<size_t> starts(segments_.size() + 1, 0);
  if (!MatchFrom(segments_, 0, views, 0, starts)) return std::nullopt;
  Bindings bindings;
  for (const Variable& variable : variables_) {
    size_t from = starts[variable.start];
    size_t to = starts[variable.end];
    bool multi = false;
    for (int s = variable.start; s < variable.end; ++s) {
      multi = multi || segments_[s].kind == Segment::Kind::kMulti;
    }
    std::string joined;
    for (size_t p = from; p < to; ++p) {
      if (p > from) joined += '/';
      joined.append(parts[p].data(), parts[p].size());
    }
    absl::StatusOr<std::string> value = PercentDecode(joined, multi);
    if (!value.ok()) return std::nullopt;
    bindings.emplace_back(variable.field_path, *std::move(value));
  }
  return bindings;
}

std::string PathTemplate::LiteralPrefix() const {
  std::string prefix = "/";
  for (const Segment& segment : segments_) {
    if (segment.kind != Segment::Kind::kLiteral) break;
    absl::StrAppend(&prefix, segment.literal, "/");
  }
  return prefix;
}

}  // namespace sandboxd
