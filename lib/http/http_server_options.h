// Configuration of the HTTP front (lib/http/http_server.h): address, io
// threads and the limits every connection is held to. Filled by server/main.cc.
#ifndef SANDBOXD_LIB_HTTP_HTTP_SERVER_OPTIONS_H_
#define SANDBOXD_LIB_HTTP_HTTP_SERVER_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace sandboxd {

// One line of the access log, reported after each response has been written
// (or a stream has ended). `status` is 0 when the connection failed before a
// response went out.
struct AccessLogEntry {
  std::string method;
  std::string target;
  int status = 0;
  absl::Duration duration;
};

// TLS for every connection of the front (REST, ops endpoints, previews and
// their WebSocket upgrades). PEM contents, not file names.
struct HttpTlsOptions {
  std::string cert_chain_pem;   // the server's certificate, then its chain
  std::string private_key_pem;  // unencrypted
  // Non-empty: clients must present a certificate issued by one of these CAs
  // (mutual TLS); a connection without one fails its handshake.
  std::string client_ca_pem;
};

struct HttpServerOptions {
  // "host:port"; port 0 binds an ephemeral port (see HttpServer::port()).
  std::string address = "127.0.0.1:8080";
  // Threads running the server's io_context.
  int io_threads = 2;
  // Request line + header fields; beyond: 431 and close.
  uint32_t max_header_bytes = 16 * 1024;
  // Request body; beyond: 413 and close. Checked from Content-Length before
  // the body is read (on every route, takeover ones included), and while a
  // chunked body is read (takeover handlers frame bodies themselves).
  uint64_t max_body_bytes = 100ull * 1024 * 1024;
  // A new connection must start its request within it, the whole header
  // must then arrive within it, and each body read must make progress within
  // it. Beyond: 408 and close.
  absl::Duration read_timeout = absl::Seconds(30);
  // Each write of a response or of a stream's batch of chunks; beyond: close.
  absl::Duration write_timeout = absl::Seconds(30);
  // A keep-alive connection waiting for its next request; beyond: close.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Open connections (taken-over ones included); beyond: accept, answer 503
  // and close.
  int max_connections = 1024;
  // Bytes a StreamWriter queues before Write answers kFull.
  size_t stream_queue_bytes = 1 << 20;
  // Set: connections speak TLS 1.2+ (plaintext clients fail the handshake).
  std::optional<HttpTlsOptions> tls;
  // Called on an io thread once per request; must not block. Optional.
  std::function<void(const AccessLogEntry&)> access_log;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_HTTP_SERVER_OPTIONS_H_
