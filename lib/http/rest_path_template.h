// google.api.http path templates ("/v1/{name=shelves/*}/books/{id}:publish"):
// parsing and matching of request paths, for the REST transcoder
// (lib/http/rest_transcoder.h).
//
// Thread-safety: a parsed PathTemplate is immutable; Match is const and safe
// from many threads.
#ifndef SANDBOXD_LIB_HTTP_REST_PATH_TEMPLATE_H_
#define SANDBOXD_LIB_HTTP_REST_PATH_TEMPLATE_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace sandboxd {

// Grammar (google/api/http.proto):
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   FieldPath = IDENT { "." IDENT } ;
//   Verb     = ":" LITERAL ;
// `{x}` is `{x=*}`. A "**" matches zero or more segments.
class PathTemplate {
 public:
  struct Segment {
    enum class Kind { kLiteral, kSingle, kMulti };
    Kind kind = Kind::kLiteral;
    std::string literal;  // kLiteral only
  };
  struct Variable {
    std::string field_path;  // "a.b"
    int start = 0;           // first segment index
    int end = 0;             // one past the last segment index
  };
  // A variable bound by Match: field path and its percent-decoded value
  // (segments joined with '/'; "%2F" stays encoded inside a "**" variable).
  using Bindings = std::vector<std::pair<std::string, std::string>>;

  // INVALID_ARGUMENT with the reason if `text` is not a valid template.
  static absl::StatusOr<PathTemplate> Parse(std::string_view text);

  // Matches a request path (no query string). nullopt if it does not match.
  std::optional<Bindings> Match(std::string_view path) const;

  // The literal segments before the first wildcard, as "/a/b/" (or "/").
  std::string LiteralPrefix() const;

  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<Variable>& variables() const { return variables_; }
  const std::string& verb() const { return verb_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

// Decodes %XX escapes; INVALID_ARGUMENT for a malformed escape. With
// `keep_slash`, "%2F"/"%2f" are left as they are.
absl::StatusOr<std::string> PercentDecode(std::string_view text,
                                          bool keep_slash = false);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_REST_PATH_TEMPLATE_H_
