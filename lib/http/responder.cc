#include "lib/http/responder.h"

#include "lib/http/http_session.h"
#include "lib/http/json_error.h"

namespace sandboxd {

Responder::Responder(SessionRef session) : session_(std::move(session)) {}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (pending_ && session_.liveness != nullptr) {
      Send(MakeJsonErrorResponse(
          boost::beast::http::status::internal_server_error, 13,
          "handler dropped the request"));
    }
    session_ = std::move(other.session_);
    pending_ = other.pending_;
    other.pending_ = false;
  }
  return *this;
}

Responder::~Responder() {
  // A moved-from Responder has no liveness and answers nothing.
  if (pending_ && session_.liveness != nullptr) {
    Send(
        MakeJsonErrorResponse(boost::beast::http::status::internal_server_error,
                              13, "handler dropped the request"));
  }
}

void Responder::Send(HttpResponse response) {
  if (!pending_ || session_.liveness == nullptr) return;
  pending_ = false;
  PostToSession(session_,
                [response = std::move(response)](HttpSession& session) mutable {
                  session.DeliverResponse(std::move(response));
                });
}

}  // namespace sandboxd
