#include "lib/http/rest_errors.h"

#include "absl/strings/str_cat.h"
#include "lib/http/json_error.h"

namespace sandboxd {

namespace http = boost::beast::http;

unsigned HttpStatusForGrpcCode(int code) {
  switch (code) {
    case 0:
      return 200;  // OK
    case 1:
      return 499;  // CANCELLED
    case 2:
      return 500;  // UNKNOWN
    case 3:
      return 400;  // INVALID_ARGUMENT
    case 4:
      return 504;  // DEADLINE_EXCEEDED
    case 5:
      return 404;  // NOT_FOUND
    case 6:
      return 409;  // ALREADY_EXISTS
    case 7:
      return 403;  // PERMISSION_DENIED
    case 8:
      return 429;  // RESOURCE_EXHAUSTED
    case 9:
      return 400;  // FAILED_PRECONDITION
    case 10:
      return 409;  // ABORTED
    case 11:
      return 400;  // OUT_OF_RANGE
    case 12:
      return 501;  // UNIMPLEMENTED
    case 13:
      return 500;  // INTERNAL
    case 14:
      return 503;  // UNAVAILABLE
    case 15:
      return 500;  // DATA_LOSS
    case 16:
      return 401;  // UNAUTHENTICATED
    default:
      return 500;
  }
}

HttpResponse RestErrorResponse(const grpc::Status& status) {
  const int code = static_cast<int>(status.error_code());
  HttpResponse response(static_cast<http::status>(HttpStatusForGrpcCode(code)),
                        11);
  response.set(http::field::content_type, "application/json");
  response.body() = JsonErrorBody(code, status.error_message());
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    response.set(http::field::www_authenticate, status.error_message());
  }
  return response;
}

std::string RestStreamErrorFrame(const grpc::Status& status) {
  return absl::StrCat("{\"error\":",
                      JsonErrorBody(static_cast<int>(status.error_code()),
                                    status.error_message()),
                      "}\n");
}

}  // namespace sandboxd
