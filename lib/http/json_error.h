// grpc-gateway v2 error bodies, `{"code":N,"message":"...","details":[]}`.
// Used by the HTTP front for its own errors (404, 501, 413, ...) and by the
// REST transcoder.
#ifndef SANDBOXD_LIB_HTTP_JSON_ERROR_H_
#define SANDBOXD_LIB_HTTP_JSON_ERROR_H_

#include <string>
#include <string_view>

#include "boost/beast/http/status.hpp"
#include "lib/http/handler.h"

namespace sandboxd {

// Appends `value` as a JSON string literal, quotes included.
void AppendJsonString(std::string& out, std::string_view value);

// `{"code":<grpc_code>,"message":<message>,"details":[]}`.
std::string JsonErrorBody(int grpc_code, std::string_view message);

// A response carrying JsonErrorBody with Content-Type application/json.
HttpResponse MakeJsonErrorResponse(boost::beast::http::status status,
                                   int grpc_code, std::string_view message);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_JSON_ERROR_H_
