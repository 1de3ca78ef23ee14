// gMock double of the Daytona HttpTransport seam, plus helpers to build
// replies and match requests. Test-only.
#ifndef SANDBOXD_TESTS_LIB_DAYTONA_MOCK_HTTP_TRANSPORT_H_
#define SANDBOXD_TESTS_LIB_DAYTONA_MOCK_HTTP_TRANSPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "lib/daytona/http_transport.h"

namespace sandboxd::daytona::testing {

class MockHttpTransport : public HttpTransport {
 public:
  MOCK_METHOD(absl::StatusOr<HttpResponse>, Send, (const HttpRequest& request),
              (override));
};

inline absl::StatusOr<HttpResponse> Reply(
    int status, std::string body,
    std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  for (auto& [name, value] : headers) response.headers.Add(name, value);
  return response;
}

// Matches a request by method and exact URL.
MATCHER_P2(IsRequest, method, url,
           std::string(HttpMethodName(method)) + " " + std::string(url)) {
  return arg.method == method && arg.url == url;
}

// Matches any request with `method`.
MATCHER_P(HasMethod, method, std::string(HttpMethodName(method))) {
  return arg.method == method;
}

}  // namespace sandboxd::daytona::testing

#endif  // SANDBOXD_TESTS_LIB_DAYTONA_MOCK_HTTP_TRANSPORT_H_
