// The connection of the HTTP front: a TCP stream, or a TLS stream over it
// when the server has a certificate (HttpServerOptions::tls). HttpSession
// and takeover handlers (TakeoverContext::stream) read and write through it
// without knowing which; the plaintext path costs one branch per operation.
#ifndef SANDBOXD_LIB_HTTP_HTTP_STREAM_H_
#define SANDBOXD_LIB_HTTP_HTTP_STREAM_H_

#include <chrono>
#include <optional>
#include <utility>

#include "boost/asio/post.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/beast/core/error.hpp"
#include "boost/beast/core/role.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/ssl/ssl_stream.hpp"
#include "boost/beast/websocket/teardown.hpp"

namespace sandboxd {

// An AsyncStream (Beast's http::async_read/async_write, net::async_write and
// websocket::stream accept it). Move-only. Not thread-safe: use it on its
// executor (the connection's strand) only.
class HttpStream {
 public:
  using executor_type = boost::asio::any_io_executor;
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // Plaintext.
  explicit HttpStream(boost::beast::tcp_stream tcp) : plain_(std::move(tcp)) {}
  // TLS, server side; `context` must outlive the stream. Call
  // async_handshake before anything else.
  HttpStream(boost::beast::tcp_stream tcp, boost::asio::ssl::context& context)
      : tls_(std::in_place, std::move(tcp), context) {}

  HttpStream(HttpStream&&) = default;
  HttpStream& operator=(HttpStream&&) = default;

  bool is_tls() const { return tls_.has_value(); }
  executor_type get_executor() { return tcp().get_executor(); }
  // The lowest layer: timeouts (expires_after) apply to TLS records too.
  boost::beast::tcp_stream& tcp() {
    return tls_ ? tls_->next_layer() : *plain_;
  }
  boost::asio::ip::tcp::socket& socket() { return tcp().socket(); }
  void expires_after(std::chrono::steady_clock::duration timeout) {
    tcp().expires_after(timeout);
  }
  void expires_never() { tcp().expires_never(); }
  // The TLS stream, or null for plaintext.
  TlsStream* tls_stream() { return tls_ ? &*tls_ : nullptr; }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  // The server side of the TLS handshake; for plaintext, `handler` runs at
  // once (posted) with no error. Handler: void(error_code).
  template <class Handler>
  void async_handshake(Handler&& handler) {
    if (tls_) {
      tls_->async_handshake(boost::asio::ssl::stream_base::server,
                            std::forward<Handler>(handler));
    } else {
      boost::asio::post(get_executor(),
                        [handler = std::forward<Handler>(handler)]() mutable {
                          std::move(handler)(boost::beast::error_code());
                        });
    }
  }

 private:
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<TlsStream> tls_;
};

// Closes the socket (found by ADL from beast::close_socket, which
// websocket::stream calls on a timeout).
inline void beast_close_socket(HttpStream& stream) {
  boost::beast::error_code ignored;
  stream.socket().close(ignored);
}

// WebSocket closing handshake hooks (found by ADL from websocket::stream).
inline void teardown(boost::beast::role_type role, HttpStream& stream,
                     boost::beast::error_code& ec) {
  using boost::beast::teardown;
  using boost::beast::websocket::teardown;
  if (HttpStream::TlsStream* tls = stream.tls_stream()) {
    teardown(role, *tls, ec);
  } else {
    teardown(role, stream.socket(), ec);
  }
}

template <class Handler>
void async_teardown(boost::beast::role_type role, HttpStream& stream,
                    Handler&& handler) {
  using boost::beast::async_teardown;
  using boost::beast::websocket::async_teardown;
  if (HttpStream::TlsStream* tls = stream.tls_stream()) {
    async_teardown(role, *tls, std::forward<Handler>(handler));
  } else {
    async_teardown(role, stream.socket(), std::forward<Handler>(handler));
  }
}

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_HTTP_STREAM_H_
