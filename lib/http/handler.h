// The three kinds of HTTP handlers that routes of the HTTP front dispatch to
// (lib/http/router.h): plain (request → one response), streaming (chunked
// body written from any thread) and takeover (the handler owns the socket).
// Used by the ops endpoints now, and by the REST transcoder and the preview
// proxy (WebSocket upgrades included) later.
#ifndef SANDBOXD_LIB_HTTP_HANDLER_H_
#define SANDBOXD_LIB_HTTP_HANDLER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <variant>

#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/empty_body.hpp"
#include "boost/beast/http/message.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/string_body.hpp"
#include "lib/http/http_stream.h"

namespace sandboxd {

// A request with its whole body read (bounded by max_body_bytes).
using HttpRequest =
    boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse =
    boost::beast::http::response<boost::beast::http::string_body>;
// Status line and fields only, for streamed responses.
using HttpResponseHeader = boost::beast::http::response_header<>;

struct ServerLiveness;  // lib/http/server_core.h
class Responder;        // lib/http/responder.h
class StreamWriter;     // lib/http/stream_writer.h

// Counts a taken-over connection against HttpServerOptions::max_connections
// until destroyed. Move-only; safe to destroy on any thread, even after the
// server is gone.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::shared_ptr<std::atomic<int>> counter);
  ConnectionSlot(ConnectionSlot&& other) noexcept = default;
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ~ConnectionSlot();

 private:
  std::shared_ptr<std::atomic<int>> counter_;
};

// Everything a takeover handler receives: the connection itself, its request
// header (the body, if any, is unread: framing is the handler's job) and the
// bytes already read past the header. A WebSocket upgrade passes
// `parser->get()` to websocket::stream::async_accept; a proxy may convert the
// parser to another body type (Beast's parser conversion constructor) to relay
// the body.
//
// The stream's executor is the connection's strand; the stream has no
// timeout armed. Keep the stream alive only through its pending operations:
// it must be destroyed before the HttpServer that accepted it (pending
// operations are destroyed with the server's io_context).
//
// With TLS the handshake is done and `stream` reads and writes plaintext;
// `stream.socket()` is the TCP socket underneath (shutdown, close).
struct TakeoverContext {
  HttpStream stream;
  boost::beast::flat_buffer buffer;
  std::unique_ptr<
      boost::beast::http::request_parser<boost::beast::http::empty_body>>
      parser;
  ConnectionSlot slot;
  // Whether the server (and its io_context) still exists: a handler that
  // moves the context to other threads posts back to `stream`'s executor
  // only while it does (lib/http/preview_proxy.cc).
  std::shared_ptr<ServerLiveness> liveness;

  const boost::beast::http::request_header<>& request() const {
    return parser->get();
  }
};

// (a) Plain: answer through `responder`, now or later from any thread, so the
// handler may wait for a gRPC call without blocking an io thread.
using PlainHandler = std::function<void(HttpRequest, Responder)>;
// (b) Streaming: send a header then chunks through the writer from any
// thread; the writer also accepts one complete response instead.
using StreamHandler =
    std::function<void(HttpRequest, std::shared_ptr<StreamWriter>)>;
// (c) Takeover: the handler owns the connection from now on.
using TakeoverHandler = std::function<void(TakeoverContext)>;

// All handlers run on an io thread (the connection's strand) and must not
// block; each call of a plain or streaming handler gets its own request.
using Handler = std::variant<PlainHandler, StreamHandler, TakeoverHandler>;

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_HANDLER_H_
