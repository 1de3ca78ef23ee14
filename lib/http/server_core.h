// State the HTTP server shares with its connections: the io_context, options,
// router and the registry of live sessions. Internal to lib/http.
#ifndef SANDBOXD_LIB_HTTP_SERVER_CORE_H_
#define SANDBOXD_LIB_HTTP_SERVER_CORE_H_

#include <atomic>
#include <chrono>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ssl/context.hpp"
#include "lib/http/http_server_options.h"
#include "lib/http/router.h"

namespace sandboxd {

class HttpSession;

// Whether the server's io_context still exists. Responders and stream writers
// can outlive the server (a gRPC callback may answer late); they post to a
// session only while `alive`, holding `mu`, so the post never reaches a
// destroyed io_context.
struct ServerLiveness {
  absl::Mutex mu;
  bool alive ABSL_GUARDED_BY(mu) = true;
};

// How handler-side objects reach their session.
struct SessionRef {
  std::shared_ptr<ServerLiveness> liveness;
  std::weak_ptr<HttpSession> session;
};

// Runs `fn` on the session's strand if the server and the session still
// exist; otherwise drops it. Thread-safe; never blocks on I/O.
void PostToSession(const SessionRef& ref,
                   absl::AnyInvocable<void(HttpSession&)> fn);

// Thread-safe. `ioc` is destroyed after every member but `tls`: operations
// still pending in it own sessions, whose destructors must find it alive.
class ServerCore {
 public:
  // INVALID_ARGUMENT if `options.tls` holds unusable PEM.
  static absl::StatusOr<std::unique_ptr<ServerCore>> Create(
      HttpServerOptions options, std::shared_ptr<const Router> router);
  ServerCore(HttpServerOptions options, std::shared_ptr<const Router> router);

  // Null without TLS. Declared before `ioc`: destroyed after the TLS streams
  // that pending operations still hold.
  std::unique_ptr<boost::asio::ssl::context> tls;
  boost::asio::io_context ioc;
  const HttpServerOptions options;
  const std::shared_ptr<const Router> router;
  const std::shared_ptr<ServerLiveness> liveness =
      std::make_shared<ServerLiveness>();
  // Connections handed to takeover handlers (see ConnectionSlot).
  const std::shared_ptr<std::atomic<int>> taken_over =
      std::make_shared<std::atomic<int>>(0);

  // False (and nothing kept) when at max_connections or draining.
  bool TryRegister(std::shared_ptr<HttpSession> session);
  void Unregister(HttpSession* session);
  std::vector<std::shared_ptr<HttpSession>> Sessions();
  // Waits until no session is registered or `timeout` passed; true if none.
  bool AwaitNoSessions(absl::Duration timeout);

  void StartDraining() { draining_.store(true); }
  bool draining() const { return draining_.load(); }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<HttpSession*, std::shared_ptr<HttpSession>> sessions_
      ABSL_GUARDED_BY(mu_);
  std::atomic<bool> draining_{false};
};

inline std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      absl::ToChronoNanoseconds(d));
}

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_SERVER_CORE_H_
