// sandboxd's HTTP front: an HTTP/1.1 server (Boost.Beast, over TLS when
// HttpServerOptions::tls is set) serving the routes of a Router (ops
// endpoints, the REST transcoder and the preview proxy) on a small pool of
// io threads. Started by server/sandboxd_server.cc.
#ifndef SANDBOXD_LIB_HTTP_HTTP_SERVER_H_
#define SANDBOXD_LIB_HTTP_HTTP_SERVER_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "lib/http/http_server_options.h"
#include "lib/http/router.h"

namespace sandboxd {

class ServerCore;

// `io_threads` threads run one io_context; each connection runs on its own
// strand, so its handlers never run concurrently. Keep-alive, limits and
// timeouts follow HttpServerOptions; none of them can stall an io thread.
//
// Thread-safety: port() and Shutdown() may be called from any thread except
// an io thread (Shutdown joins them). Shutdown is idempotent; the destructor
// calls Shutdown(absl::ZeroDuration()) if it was not called.
class HttpServer {
 public:
  // Binds `options.address` and starts serving. INVALID_ARGUMENT for a
  // malformed address, io_threads < 1 or unusable TLS PEM (see
  // MakeServerTlsContext), UNAVAILABLE if it cannot be resolved
  // or bound (e.g. port in use).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      HttpServerOptions options, std::shared_ptr<Router> router);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // The bound port (the ephemeral one when the address asked for port 0).
  int port() const { return port_; }

  // Stops accepting, closes idle keep-alive connections, lets in-flight
  // requests and streams finish within `grace` (their responses carry
  // Connection: close), then closes every connection and joins the io
  // threads. Responders and stream writers used afterwards do nothing.
  // Taken-over connections are not waited for; their pending operations are
  // destroyed with the server.
  void Shutdown(absl::Duration grace);

 private:
  HttpServer(std::unique_ptr<ServerCore> core,
             boost::asio::ip::tcp::acceptor acceptor);
  void Accept();
  void OnAccept(boost::system::error_code ec,
                boost::asio::ip::tcp::socket socket);

  std::unique_ptr<ServerCore> core_;  // first: destroyed last
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_timer_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_guard_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_HTTP_SERVER_H_
