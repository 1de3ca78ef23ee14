// gRPC status → grpc-gateway v2 HTTP answers: the status table, the unary
// error body and the stream error frame. Used by lib/http/rest_transcoder.h.
//
// Thread-safety: stateless functions.
#ifndef SANDBOXD_LIB_HTTP_REST_ERRORS_H_
#define SANDBOXD_LIB_HTTP_REST_ERRORS_H_

#include <string>

#include "boost/beast/http/status.hpp"
#include "grpcpp/support/status.h"
#include "lib/http/handler.h"

namespace sandboxd {

// grpc-gateway v2's HTTPStatusFromCode (CANCELLED → 499, FAILED_PRECONDITION
// → 400, ...); unknown codes → 500.
unsigned HttpStatusForGrpcCode(int code);

// The unary error: mapped status, `{"code","message","details":[]}`, and
// WWW-Authenticate for UNAUTHENTICATED.
HttpResponse RestErrorResponse(const grpc::Status& status);

// `{"error":{"code":..,"message":..,"details":[]}}\n`, the last line of a
// stream that failed after its first message.
std::string RestStreamErrorFrame(const grpc::Status& status);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_REST_ERRORS_H_
