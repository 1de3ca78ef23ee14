#include "lib/http/http_session.h"

#include <algorithm>
#include <utility>
#include <variant>

#include "absl/strings/match.h"
#include "boost/asio/post.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/bind_handler.hpp"
#include "boost/beast/http/error.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/write.hpp"
#include "lib/http/json_error.h"
#include "lib/http/responder.h"

namespace sandboxd {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

constexpr size_t kFirstReadBytes = 4096;
// How long a closing connection may keep sending before it is cut off.
constexpr absl::Duration kMaxLinger = absl::Seconds(2);
// grpc-gateway's error codes (google.rpc.Code) for the front's own errors.
constexpr int kInvalidArgument = 3;
constexpr int kDeadlineExceeded = 4;
constexpr int kNotFound = 5;
constexpr int kResourceExhausted = 8;
constexpr int kUnimplemented = 12;
constexpr int kUnavailable = 14;

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() ==
         http::make_error_code(http::error::bad_target).category();
}

}  // namespace

void PostToSession(const SessionRef& ref,
                   absl::AnyInvocable<void(HttpSession&)> fn) {
  absl::MutexLock lock(&ref.liveness->mu);
  if (!ref.liveness->alive) return;
  std::shared_ptr<HttpSession> session = ref.session.lock();
  if (session == nullptr) return;
  net::post(session->executor(),
            [session, fn = std::move(fn)]() mutable { fn(*session); });
}

HttpSession::HttpSession(ServerCore& core, HttpStream stream)
    : core_(core),
      executor_(stream.get_executor()),
      stream_(std::move(stream)),
      read_timer_(executor_) {}

HttpSession::~HttpSession() = default;

void HttpSession::Start() { Handshake(&HttpSession::ReadNextRequest); }

void HttpSession::Reject() {
  keep_alive_ = false;
  Handshake(&HttpSession::RejectNow);
}

void HttpSession::RejectNow() {
  WriteError(http::status::service_unavailable, kUnavailable,
             "too many connections");
}

void HttpSession::Handshake(void (HttpSession::*then)()) {
  if (!stream_.is_tls()) {
    (this->*then)();
    return;
  }
  // The handshake counts against the read timeout of a fresh connection; a
  // failed one cannot be answered in HTTP and just closes.
  ArmReadTimer(core_.options.read_timeout);
  stream_.async_handshake([self = shared_from_this(), then](error_code ec) {
    bool timed_out = self->DisarmReadTimer();
    if (self->closed_) return;
    if (ec || timed_out) {
      self->Close();
      return;
    }
    ((*self).*then)();
  });
}

void HttpSession::BeginDrain() {
  draining_ = true;
  if (state_ == State::kWaiting) Close();
}

void HttpSession::ForceClose() { Close(); }

void HttpSession::ReadNextRequest() {
  if (draining_ || core_.draining()) {
    Close();
    return;
  }
  state_ = State::kWaiting;
  if (buffer_.size() > 0) {
    ReadHeader();
    return;
  }
  // A fresh connection must send its request within the read timeout; a
  // kept-alive one may stay quiet for the idle timeout.
  ArmReadTimer(first_request_ ? core_.options.read_timeout
                              : core_.options.idle_timeout);
  stream_.expires_never();
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          beast::bind_front_handler(&HttpSession::OnFirstBytes,
                                                    shared_from_this()));
}

void HttpSession::OnFirstBytes(error_code ec, size_t bytes) {
  bool timed_out = DisarmReadTimer();
  if (closed_) return;
  if (ec || timed_out) {
    // An idle keep-alive connection just ends; a silent new one gets 408.
    if (timed_out && first_request_) {
      OnReadError(ec, timed_out);
    } else {
      Close();
    }
    return;
  }
  buffer_.commit(bytes);
  ReadHeader();
}

void HttpSession::ReadHeader() {
  state_ = State::kReading;
  header_parser_ = std::make_unique<http::request_parser<http::empty_body>>();
  header_parser_->header_limit(core_.options.max_header_bytes);
  // A Content-Length over the limit fails the header read (413) before any
  // of the body is read, whatever the route.
  header_parser_->body_limit(core_.options.max_body_bytes);
  ArmReadTimer(core_.options.read_timeout);
  stream_.expires_never();
  http::async_read_header(
      stream_, buffer_, *header_parser_,
      beast::bind_front_handler(&HttpSession::OnHeader, shared_from_this()));
}

void HttpSession::OnHeader(error_code ec, size_t) {
  bool timed_out = DisarmReadTimer();
  if (closed_) return;
  if (ec || timed_out) {
    OnReadError(ec, timed_out);
    return;
  }
  first_request_ = false;
  request_start_ = absl::Now();
  const auto& request = header_parser_->get();
  method_ = std::string(request.method_string());
  target_ = std::string(request.target());
  RouteRequest();
}

void HttpSession::OnReadError(error_code ec, bool timed_out) {
  keep_alive_ = false;
  if (timed_out) {
    WriteError(http::status::request_timeout, kDeadlineExceeded,
               "request not received in time");
  } else if (ec == http::error::header_limit) {
    WriteError(http::status::request_header_fields_too_large,
               kResourceExhausted, "request header too large");
  } else if (ec == http::error::body_limit) {
    WriteError(http::status::payload_too_large, kResourceExhausted,
               "request body too large");
  } else if (IsHttpParseError(ec) && ec != http::error::end_of_stream &&
             ec != http::error::partial_message) {
    WriteError(http::status::bad_request, kInvalidArgument,
               "malformed request: " + ec.message());
  } else {
    Close();
  }
}

void HttpSession::RouteRequest() {
  const auto& request = header_parser_->get();
  auto host = request[http::field::host];
  Router::Match match = core_.router->Find(
      request.method(), std::string_view(host.data(), host.size()),
      std::string_view(request.target().data(), request.target().size()));
  if (match.handler != nullptr &&
      std::holds_alternative<TakeoverHandler>(*match.handler)) {
    Takeover(std::get<TakeoverHandler>(*match.handler));
    return;
  }
  handler_ = match.handler;
  route_status_ = match.status;
  auto expect = request[http::field::expect];
  if (!header_parser_->is_done() &&
      absl::EqualsIgnoreCase(absl::string_view(expect.data(), expect.size()),
                             "100-continue")) {
    SendContinue();
    return;
  }
  ReadBody();
}

void HttpSession::SendContinue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  stream_.expires_after(ToChrono(core_.options.write_timeout));
  net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                   [self = shared_from_this()](error_code ec, size_t) {
                     if (self->closed_) return;
                     if (ec) {
                       self->Close();
                     } else {
                       self->ReadBody();
                     }
                   });
}

void HttpSession::ReadBody() {
  body_parser_ = std::make_unique<http::request_parser<http::string_body>>(
      std::move(*header_parser_));
  header_parser_.reset();
  body_parser_->body_limit(core_.options.max_body_bytes);
  OnBodyRead({}, 0);
}

void HttpSession::OnBodyRead(error_code ec, size_t) {
  bool timed_out = DisarmReadTimer();
  if (closed_) return;
  if (ec || timed_out) {
    OnReadError(ec, timed_out);
    return;
  }
  if (body_parser_->is_done()) {
    OnRequest();
    return;
  }
  // Each read must make progress within the read timeout, so a large upload
  // on a slow link passes while a stalled one does not.
  ArmReadTimer(core_.options.read_timeout);
  stream_.expires_never();
  http::async_read_some(
      stream_, buffer_, *body_parser_,
      beast::bind_front_handler(&HttpSession::OnBodyRead, shared_from_this()));
}

void HttpSession::OnRequest() {
  HttpRequest request = body_parser_->release();
  body_parser_.reset();
  keep_alive_ = request.keep_alive();
  state_ = State::kHandling;
  if (handler_ == nullptr) {
    bool not_found = route_status_ == http::status::not_found;
    WriteResponse(MakeJsonErrorResponse(
        route_status_, not_found ? kNotFound : kUnimplemented,
        not_found ? "Not Found" : "Method Not Allowed"));
    return;
  }
  // Like any proxy, record who sent the request: handlers that forward it
  // (the REST front) pass X-Forwarded-For on.
  boost::system::error_code peer_error;
  auto peer = Socket().remote_endpoint(peer_error);
  if (!peer_error) {
    std::string ip = peer.address().to_string();
    auto forwarded = request["X-Forwarded-For"];
    request.set(
        "X-Forwarded-For",
        forwarded.empty()
            ? ip
            : std::string(forwarded.data(), forwarded.size()) + ", " + ip);
  }
  if (const auto* plain = std::get_if<PlainHandler>(handler_)) {
    (*plain)(std::move(request), Responder(Ref()));
  } else {
    DispatchStream(std::get<StreamHandler>(*handler_), std::move(request));
  }
}

void HttpSession::ArmReadTimer(absl::Duration timeout) {
  // Reads use this timer rather than the stream's own timeout: on expiry the
  // stream would close the socket, and the client must still get its 408.
  read_timed_out_ = false;
  uint64_t generation = ++read_timer_generation_;
  read_timer_.expires_after(ToChrono(timeout));
  read_timer_.async_wait(
      [self = shared_from_this(), generation](error_code ec) {
        if (ec || self->closed_ || generation != self->read_timer_generation_) {
          return;
        }
        self->read_timed_out_ = true;
        error_code ignored;
        self->Socket().cancel(ignored);
      });
}

bool HttpSession::DisarmReadTimer() {
  ++read_timer_generation_;
  read_timer_.cancel();
  return std::exchange(read_timed_out_, false);
}

void HttpSession::DeliverResponse(HttpResponse response) {
  if (closed_ || state_ != State::kHandling) return;
  WriteResponse(std::move(response));
}

void HttpSession::WriteResponse(HttpResponse response) {
  state_ = State::kWriting;
  response.version(11);
  // A handler may ask to close by setting Connection: close itself.
  response.keep_alive(keep_alive_ && response.keep_alive() && !draining_ &&
                      !core_.draining());
  response.prepare_payload();
  response_ = std::make_shared<HttpResponse>(std::move(response));
  stream_.expires_after(ToChrono(core_.options.write_timeout));
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&HttpSession::OnResponseWritten,
                                              shared_from_this()));
}

void HttpSession::OnResponseWritten(error_code ec, size_t) {
  bool keep_alive = response_->keep_alive();
  LogAccess(response_->result_int());
  response_.reset();
  if (closed_) return;
  if (ec) {
    Close();
  } else if (!keep_alive) {
    LingerClose();
  } else {
    ReadNextRequest();
  }
}

void HttpSession::WriteError(http::status status, int grpc_code,
                             std::string message) {
  linger_ = true;
  keep_alive_ = false;
  WriteResponse(MakeJsonErrorResponse(status, grpc_code, message));
}

void HttpSession::LingerClose() {
  state_ = State::kClosing;
  error_code ignored;
  Socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  if (!linger_) {
    Close();
    return;
  }
  // Closing with unread input makes the kernel send RST, which can destroy
  // the error response before the client reads it: read until the client
  // closes too, within a bound.
  stream_.expires_after(
      ToChrono(std::min(core_.options.read_timeout, kMaxLinger)));
  DrainUntilEof();
}

void HttpSession::DrainUntilEof() {
  stream_.async_read_some(net::buffer(drain_buffer_),
                          [self = shared_from_this()](error_code ec, size_t) {
                            if (self->closed_) return;
                            if (ec) {
                              self->Close();
                            } else {
                              self->DrainUntilEof();
                            }
                          });
}

void HttpSession::Close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  read_timer_.cancel();
  if (Socket().is_open()) {
    Socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    Socket().close(ignored);
  }
  if (channel_ != nullptr) channel_->Close();
  core_.Unregister(this);
}

void HttpSession::LogAccess(int status) {
  if (!core_.options.access_log || method_.empty()) return;
  core_.options.access_log(AccessLogEntry{std::move(method_),
                                          std::move(target_), status,
                                          absl::Now() - request_start_});
  method_.clear();
  target_.clear();
}

}  // namespace sandboxd
