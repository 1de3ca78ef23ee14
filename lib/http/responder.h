// The one-shot reply channel of a plain handler (lib/http/handler.h).
#ifndef SANDBOXD_LIB_HTTP_RESPONDER_H_
#define SANDBOXD_LIB_HTTP_RESPONDER_H_

#include "lib/http/handler.h"
#include "lib/http/server_core.h"

namespace sandboxd {

// Move-only. Send may be called from any thread, once; it never blocks. The
// server sets the version, keep-alive and Content-Length. If the Responder is
// destroyed without Send, the client gets 500 so the connection never hangs.
// After the client disconnected or the server shut down, Send does nothing.
class Responder {
 public:
  explicit Responder(SessionRef session);
  Responder(Responder&& other) noexcept = default;
  Responder& operator=(Responder&& other) noexcept;
  ~Responder();

  void Send(HttpResponse response);

 private:
  SessionRef session_;
  bool pending_ = true;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_RESPONDER_H_
