// The HTTP seam under the Daytona adapter: one blocking request/response
// exchange. Production uses CurlHttpTransport; tests use a gMock double under
// tests/lib/daytona/. Only lib/daytona uses it.
#ifndef SANDBOXD_LIB_DAYTONA_HTTP_TRANSPORT_H_
#define SANDBOXD_LIB_DAYTONA_HTTP_TRANSPORT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sandboxd::daytona {

enum class HttpMethod { kGet, kPost, kPut, kDelete };

absl::string_view HttpMethodName(HttpMethod method);

// Header list with case-insensitive lookup (HTTP/2 lowercases names, HTTP/1
// servers send any case). Keeps insertion order. Not thread-safe.
class HttpHeaders {
 public:
  void Add(std::string name, std::string value);
  // Replaces every header called `name` with one value.
  void Set(const std::string& name, std::string value);
  // The first value of `name`, compared case-insensitively.
  std::optional<std::string> Get(absl::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const {
    return entries_;
  }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// One part of a multipart/form-data body.
struct MultipartPart {
  std::string name;
  std::string data;
  std::string filename;      // empty: a plain form field
  std::string content_type;  // empty: none sent
};

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string url;
  HttpHeaders headers;
  // Either `body` or `parts` (multipart/form-data), never both.
  std::string body;
  std::vector<MultipartPart> parts;
  // Total time allowed for the exchange, connection included.
  absl::Duration timeout = absl::Seconds(30);
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
};

// Transport errors carry this payload so the retry policy can tell a request
// that never left this host (safe to resend even when not idempotent) from one
// that may have reached the server.
inline constexpr char kTransportErrorPayload[] =
    "type.sandboxd.dev/daytona.TransportError";
inline constexpr char kNotSent[] = "not-sent";
inline constexpr char kMaybeSent[] = "maybe-sent";

// UNAVAILABLE or DEADLINE_EXCEEDED tagged as a transport error.
absl::Status TransportError(absl::StatusCode code, absl::string_view message,
                            bool request_sent);
// True for a status made by TransportError.
bool IsTransportError(const absl::Status& status);
// True for a transport error raised before any byte reached the server.
bool IsNotSentError(const absl::Status& status);

// Sends one request and returns the server's response, whatever its HTTP
// status; only failures to complete the exchange are errors:
//   UNAVAILABLE (connect failure, reset, TLS failure) or DEADLINE_EXCEEDED
//   (request.timeout passed), built with TransportError().
// Blocks until the exchange ends. Implementations are thread-safe.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace sandboxd::daytona

#endif  // SANDBOXD_LIB_DAYTONA_HTTP_TRANSPORT_H_
