#include "lib/http/json_error.h"

#include <cstdio>

namespace sandboxd {

void AppendJsonString(std::string& out, std::string_view value) {
  out += '"';
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x",
                        static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string JsonErrorBody(int grpc_code, std::string_view message) {
  std::string body = "{\"code\":" + std::to_string(grpc_code) + ",\"message\":";
  AppendJsonString(body, message);
  body += ",\"details\":[]}";
  return body;
}

HttpResponse MakeJsonErrorResponse(boost::beast::http::status status,
                                   int grpc_code, std::string_view message) {
  HttpResponse response(status, 11);
  response.set(boost::beast::http::field::content_type, "application/json");
  response.body() = JsonErrorBody(grpc_code, message);
  response.prepare_payload();
  return response;
}

}  // namespace sandboxd
