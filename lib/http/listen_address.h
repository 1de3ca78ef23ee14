// Parses the HTTP front's listen address ("host:port", "[v6]:port").
// Used by HttpServer::Start.
#ifndef SANDBOXD_LIB_HTTP_LISTEN_ADDRESS_H_
#define SANDBOXD_LIB_HTTP_LISTEN_ADDRESS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace sandboxd {

struct ListenAddress {
  std::string host;   // without brackets for IPv6
  uint16_t port = 0;  // 0: an ephemeral port
};

// INVALID_ARGUMENT naming the problem when `address` is not "host:port".
// Pure function; thread-safe.
absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view address);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_LISTEN_ADDRESS_H_
