// Minimal HTTP/1.1 GET over an already connected socket, for the app
// readiness check (StartApp waits for 200 on "/"). Blocking; thread-safe.
#ifndef SANDBOXD_LIB_LOCAL_HTTP_PROBE_H_
#define SANDBOXD_LIB_LOCAL_HTTP_PROBE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sandboxd::local {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// Pure: parses a complete response (status line, headers, body up to EOF;
// chunked bodies are de-chunked). INVALID_ARGUMENT if malformed.
absl::StatusOr<HttpResponse> ParseHttpResponse(std::string_view raw);

// Sends `GET path` with `Connection: close` on `fd` and reads the whole
// response. UNAVAILABLE on I/O errors, DEADLINE_EXCEEDED after `timeout`.
// Takes ownership of nothing; the caller closes fd.
absl::StatusOr<HttpResponse> HttpGet(int fd, std::string_view host,
                                     std::string_view path,
                                     absl::Duration timeout);

}  // namespace sandboxd::local

#endif  // SANDBOXD_LIB_LOCAL_HTTP_PROBE_H_
