// The REST API of the gRPC services, grpc-gateway v2 compatible, served by
// the HTTP front: routes read at start-up from the `google.api.http` options
// in the generated descriptor pool, each request transcoded to a gRPC call
// on a channel (the server's in-process channel, so interceptors apply as for
// gRPC clients), and the answer transcoded back. Also CORS and the OpenAPI
// document. Wired by server/sandboxd_server.cc.
//
// Thread-safety: AddRestRoutes runs before the router is handed to the
// server; the handlers it registers are safe to run concurrently.
#ifndef SANDBOXD_LIB_HTTP_REST_TRANSCODER_H_
#define SANDBOXD_LIB_HTTP_REST_TRANSCODER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "lib/http/router.h"

namespace sandboxd {

struct RestOptions {
  // Fully qualified names of the services to serve (from the generated pool).
  std::vector<std::string> services = {"sandbox.v1.SandboxService"};
  // Origins ("https://app.example.com") whose browsers may call the API;
  // "*" allows any. None by default: no CORS headers at all.
  std::vector<std::string> cors_allowed_origins;
  // Served as GET /api/openapi.json when not empty.
  std::string openapi_json;
  // Deadline of calls whose request has no Grpc-Timeout header; zero: none.
  absl::Duration default_timeout = absl::ZeroDuration();
};

// Registers the REST routes of `options.services` on `router`. Calls go over
// `channel`. INVALID_ARGUMENT if a service is unknown or an annotation is
// malformed.
absl::Status AddRestRoutes(Router& router,
                           std::shared_ptr<grpc::Channel> channel,
                           RestOptions options);

// "1S", "500m", "2H"... (gRPC's Grpc-Timeout header); nullopt if malformed.
std::optional<absl::Duration> ParseGrpcTimeout(std::string_view text);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_REST_TRANSCODER_H_
