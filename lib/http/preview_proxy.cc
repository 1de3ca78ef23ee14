#include "lib/http/preview_proxy.h"

#include <unistd.h>

#include <array>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/thread_pool.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/http/write.hpp"
#include "lib/http/handler.h"
#include "lib/http/preview_access.h"
#include "lib/http/server_core.h"

namespace sandboxd {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

std::string WaitingPage(const std::string& sandbox_id,
                        const std::string& phase) {
  return absl::StrCat(
      "<!doctype html><html><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"refresh\" content=\"1\">"
      "<title>Preparing your preview…</title><style>body{font-family:system-ui,"
      "sans-serif;display:flex;align-items:center;justify-content:center;"
      "height:100vh;margin:0;background:#0b1020;color:#e5e7eb}main{text-align:"
      "center}small{color:#9ca3af}</style></head><body><main><h1>Preparing "
      "your preview…</h1><p>Phase: <b>",
      phase, "</b></p><small>", sandbox_id,
      " · this page refreshes itself</small></main></body></html>\n");
}

std::string PrivatePage(const std::string& sandbox_id) {
  return absl::StrCat(
      "<!doctype html><html><head><meta charset=\"utf-8\">"
      "<title>This preview is private</title><style>body{font-family:"
      "system-ui,sans-serif;display:flex;align-items:center;justify-content:"
      "center;height:100vh;margin:0;background:#0b1020;color:#e5e7eb}main{"
      "max-width:36em;text-align:center}code{color:#93c5fd}small{color:"
      "#9ca3af}</style></head><body><main><h1>This preview is private</h1>"
      "<p>Open it with the preview link that Get returns (<code>sandboxctl "
      "get ",
      sandbox_id, "</code> or <code>GET /api/sandbox/", sandbox_id,
      "</code>): the link carries a token that is valid for a few minutes and "
      "signs this browser in to the preview.</p><small>",
      sandbox_id, "</small></main></body></html>\n");
}

// One proxied connection: the client's stream and the app's socket, relayed
// both ways until either side closes. Owned by its pending operations.
class Relay : public std::enable_shared_from_this<Relay> {
 public:
  Relay(TakeoverContext ctx, tcp::socket upstream)
      : ctx_(std::move(ctx)), upstream_(std::move(upstream)) {}

  // Sends the request header and the bytes already read, then relays.
  void Start() {
    auto header = std::make_shared<std::string>(HeaderText());
    auto self = shared_from_this();
    net::async_write(upstream_, net::buffer(*header),
                     [self, header](boost::system::error_code ec, size_t) {
                       if (ec) return self->Close();
                       self->SendBuffered();
                     });
  }

 private:
  std::string HeaderText() {
    // The header as received; the app sees the preview Host unchanged, so
    // same-origin checks (Next's dev server) hold.
    std::string text = absl::StrCat(std::string(ctx_.request().method_string()),
                                    " ", std::string(ctx_.request().target()),
                                    " HTTP/", ctx_.request().version() / 10,
                                    ".", ctx_.request().version() % 10, "\r\n");
    for (const auto& field : ctx_.request()) {
      absl::StrAppend(&text, std::string(field.name_string()), ": ",
                      std::string(field.value()), "\r\n");
    }
    text += "\r\n";
    return text;
  }

  void SendBuffered() {
    auto self = shared_from_this();
    if (ctx_.buffer.size() == 0) {
      ClientToApp();
      AppToClient();
      return;
    }
    net::async_write(upstream_, ctx_.buffer.data(),
                     [self](boost::system::error_code ec, size_t n) {
                       if (ec) return self->Close();
                       self->ctx_.buffer.consume(n);
                       self->ClientToApp();
                       self->AppToClient();
                     });
  }

  void ClientToApp() {
    auto self = shared_from_this();
    ctx_.stream.async_read_some(
        net::buffer(up_), [self](boost::system::error_code ec, size_t n) {
          if (ec) return self->HalfClose(true);
          net::async_write(self->upstream_, net::buffer(self->up_.data(), n),
                           [self](boost::system::error_code ec, size_t) {
                             if (ec) return self->Close();
                             self->ClientToApp();
                           });
        });
  }

  void AppToClient() {
    auto self = shared_from_this();
    upstream_.async_read_some(
        net::buffer(down_), [self](boost::system::error_code ec, size_t n) {
          if (ec) return self->HalfClose(false);
          net::async_write(self->ctx_.stream,
                           net::buffer(self->down_.data(), n),
                           [self](boost::system::error_code ec, size_t) {
                             if (ec) return self->Close();
                             self->AppToClient();
                           });
        });
  }

  // One direction ended: pass the end on, keep the other direction going.
  void HalfClose(bool client_done) {
    boost::system::error_code ignored;
    if (client_done) {
      upstream_.shutdown(tcp::socket::shutdown_send, ignored);
    } else {
      ctx_.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    if (++ended_ == 2) Close();
  }

  void Close() {
    boost::system::error_code ignored;
    upstream_.close(ignored);
    ctx_.stream.socket().close(ignored);
  }

  TakeoverContext ctx_;
  tcp::socket upstream_;
  std::array<char, 64 * 1024> up_;
  std::array<char, 64 * 1024> down_;
  int ended_ = 0;
};

using Response = http::response<http::string_body>;

void WriteResponse(std::shared_ptr<TakeoverContext> ctx,
                   std::shared_ptr<Response> response) {
  response->set(http::field::cache_control, "no-store");
  response->keep_alive(false);
  response->prepare_payload();
  http::async_write(ctx->stream, *response,
                    [ctx, response](boost::system::error_code, size_t) {
                      boost::system::error_code ignored;
                      ctx->stream.socket().shutdown(tcp::socket::shutdown_both,
                                                    ignored);
                    });
}

// Writes one small response and closes the connection. Callable from any
// thread: the write starts on the connection's strand.
// Runs `fn` on the connection's executor if its server still exists, and
// says whether it did. The dialer pool hands everything to the io side
// through it: a destroyed server's io_context must not be posted to, and a
// context, whose socket belongs to that io_context, must not be destroyed
// on a pool thread once the server is gone. So then a reference to the
// context is deliberately leaked (only ever while the server shuts down).
// Where a context's io side is, read before the context can be moved into
// a relay by its io thread (a pool thread must not read it afterwards).
struct IoSide {
  std::shared_ptr<ServerLiveness> liveness;
  net::any_io_executor executor;
};
IoSide IoSideOf(TakeoverContext& ctx) {
  return IoSide{ctx.liveness, ctx.stream.get_executor()};
}

template <class Fn>
bool PostIfAlive(const IoSide& io, const std::shared_ptr<TakeoverContext>& ctx,
                 Fn&& fn) {
  absl::MutexLock lock(&io.liveness->mu);
  if (io.liveness->alive) {
    net::post(io.executor, std::forward<Fn>(fn));
    return true;
  }
  new std::shared_ptr<TakeoverContext>(ctx);  // the leak described above
  return false;
}

// Drops a pool thread's reference to `ctx` on the io side (PostIfAlive).
void ReleaseOnIo(const IoSide& io, std::shared_ptr<TakeoverContext>& ctx) {
  std::shared_ptr<TakeoverContext> last = std::move(ctx);
  PostIfAlive(io, last, [last] {});
}

void Answer(std::shared_ptr<TakeoverContext> ctx, http::status status,
            std::string content_type, std::string body) {
  auto response = std::make_shared<Response>(status, ctx->request().version());
  response->set(http::field::content_type, content_type);
  response->body() = std::move(body);
  PostIfAlive(IoSideOf(*ctx), ctx,
              [ctx, response] { WriteResponse(ctx, response); });
}

// The URL token's trade: the same URL without it, and the cookie. The
// redirect keeps the token out of the app's view, its logs and its
// page's address bar.
void RedirectWithCookie(std::shared_ptr<TakeoverContext> ctx,
                        const std::string& set_cookie) {
  auto response = std::make_shared<Response>(http::status::see_other,
                                             ctx->request().version());
  response->set(http::field::location, std::string(ctx->request().target()));
  response->set(http::field::set_cookie, set_cookie);
  response->set("Referrer-Policy", "no-referrer");
  net::post(ctx->stream.get_executor(),
            [ctx, response] { WriteResponse(ctx, response); });
}

bool AnyValid(const auth::PreviewTokens* tokens,
              const std::vector<std::string>& candidates,
              const std::string& sandbox_id, auth::PreviewTokenKind kind) {
  if (tokens == nullptr) return false;
  for (const std::string& token : candidates) {
    if (tokens->Verify(token, sandbox_id, kind).ok()) return true;
  }
  return false;
}

class PreviewHandler : public std::enable_shared_from_this<PreviewHandler> {
 public:
  PreviewHandler(std::shared_ptr<PreviewBackend> backend,
                 PreviewOptions options)
      : backend_(std::move(backend)),
        options_(std::move(options)),
        dialers_(options_.dial_threads) {}

  void Handle(TakeoverContext raw) {
    auto ctx = std::make_shared<TakeoverContext>(std::move(raw));
    std::optional<std::string> id = PreviewSandboxId(
        std::string_view(ctx->request()[http::field::host].data(),
                         ctx->request()[http::field::host].size()),
        options_.base_domain);
    if (!id.has_value()) {
      return Answer(ctx, http::status::not_found, "text/plain", "not found\n");
    }
    // Taken out whatever happens next: the app never sees them.
    PreviewCredentials credentials = TakePreviewCredentials(ctx->parser->get());
    // The relay passes bytes, not requests: a kept-alive connection's next
    // request would reach the app unchecked, credentials and all. So each
    // relayed request is its connection's last (WebSocket upgrades excepted:
    // after them no request follows).
    if (ctx->request().count(http::field::upgrade) == 0) {
      ctx->parser->get().set(http::field::connection, "close");
      ctx->parser->get().erase(http::field::keep_alive);
    }
    const auth::PreviewTokens* tokens = options_.tokens.get();
    if (AnyValid(tokens, credentials.url_tokens, *id,
                 auth::PreviewTokenKind::kUrl)) {
      return RedirectWithCookie(
          ctx,
          PreviewSetCookie(tokens->Mint(*id, auth::PreviewTokenKind::kCookie),
                           tokens->ttl(auth::PreviewTokenKind::kCookie),
                           options_.secure_cookie));
    }
    const absl::Time hold_until = absl::Now() + options_.hold_for_wake;
    if (AnyValid(tokens, credentials.cookie_tokens, *id,
                 auth::PreviewTokenKind::kCookie)) {
      return Route(ctx, *id, hold_until);
    }
    Gate(ctx, *id, hold_until);
  }

 private:
  // No valid credentials: only a public preview goes on. Decided before
  // Check, so a refused visit neither wakes the sandbox nor counts as
  // activity.
  void Gate(std::shared_ptr<TakeoverContext> ctx, std::string id,
            absl::Time hold_until) {
    auto self = shared_from_this();
    net::post(dialers_, [self, ctx, id, hold_until]() mutable {
      const IoSide io = IoSideOf(*ctx);
      self->GateOnPool(ctx, id, hold_until);
      ReleaseOnIo(io, ctx);
    });
  }

  void GateOnPool(const std::shared_ptr<TakeoverContext>& ctx,
                  const std::string& id, absl::Time hold_until) {
    switch (backend_->GetVisibility(id)) {
      case PreviewBackend::Visibility::kNotFound:
        return Answer(ctx, http::status::not_found, "text/plain",
                      absl::StrCat("no preview for ", id, "\n"));
      case PreviewBackend::Visibility::kPrivate:
        return Answer(ctx, http::status::forbidden, "text/html; charset=utf-8",
                      PrivatePage(id));
      case PreviewBackend::Visibility::kPublic:
        return Route(ctx, id, hold_until);
    }
  }

  // Checks and dials off the io thread (both may touch the store or block).
  void Route(std::shared_ptr<TakeoverContext> ctx, std::string id,
             absl::Time hold_until) {
    auto self = shared_from_this();
    net::post(dialers_, [self, ctx, id, hold_until]() mutable {
      const IoSide io = IoSideOf(*ctx);
      self->RouteOnPool(io, ctx, id, hold_until);
      ReleaseOnIo(io, ctx);
    });
  }

  // After the relay is posted, `ctx` may be moved from by the io thread:
  // nothing here reads it after that post.
  void RouteOnPool(const IoSide& io,
                   const std::shared_ptr<TakeoverContext>& ctx,
                   const std::string& id, absl::Time hold_until) {
    PreviewBackend::Status status = backend_->Check(id);
    switch (status.state) {
      case PreviewBackend::State::kNotFound:
        return Answer(ctx, http::status::not_found, "text/plain",
                      absl::StrCat("no preview for ", id, "\n"));
      case PreviewBackend::State::kStarting:
        if (status.waking && absl::Now() < hold_until) {
          return RetryLater(ctx, id, hold_until);
        }
        return Answer(ctx, http::status::ok, "text/html; charset=utf-8",
                      WaitingPage(id, status.phase));
      case PreviewBackend::State::kReady:
        break;
    }
    absl::StatusOr<int> fd = backend_->Dial(id);
    if (!fd.ok()) {
      // Ready on record but not accepting (yet): the waiting page, which
      // refreshes, rather than a bare 502.
      return Answer(ctx, http::status::ok, "text/html; charset=utf-8",
                    WaitingPage(id, "STARTING"));
    }
    const int dialed = *fd;
    if (!PostIfAlive(io, ctx, [ctx, fd = dialed] {
          tcp::socket upstream(ctx->stream.get_executor());
          boost::system::error_code ec;
          upstream.assign(tcp::v4(), fd, ec);
          if (ec) {
            ::close(fd);
            return Answer(ctx, http::status::bad_gateway, "text/plain",
                          "preview unavailable\n");
          }
          std::make_shared<Relay>(std::move(*ctx), std::move(upstream))
              ->Start();
        })) {
      ::close(dialed);  // the server is gone
    }
  }

  // From the pool: the timer is armed on the io side.
  void RetryLater(const std::shared_ptr<TakeoverContext>& ctx, std::string id,
                  absl::Time hold_until) {
    auto self = shared_from_this();
    PostIfAlive(IoSideOf(*ctx), ctx, [self, ctx, id, hold_until] {
      auto timer = std::make_shared<net::steady_timer>(
          ctx->stream.get_executor(), std::chrono::milliseconds(250));
      timer->async_wait(
          [self, ctx, id, hold_until, timer](boost::system::error_code) {
            self->Route(ctx, id, hold_until);
          });
    });
  }

  const std::shared_ptr<PreviewBackend> backend_;
  const PreviewOptions options_;
  net::thread_pool dialers_;
};

}  // namespace

std::optional<std::string> PreviewSandboxId(std::string_view host,
                                            std::string_view base_domain) {
  std::string h =
      absl::AsciiStrToLower(absl::string_view(host.data(), host.size()));
  if (size_t colon = h.rfind(':');
      colon != std::string::npos && h.find(']') == std::string::npos) {
    h.resize(colon);
  }
  std::string suffix =
      absl::StrCat(".", absl::AsciiStrToLower(absl::string_view(
                            base_domain.data(), base_domain.size())));
  if (h.size() <= suffix.size() ||
      h.compare(h.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  std::string id = h.substr(0, h.size() - suffix.size());
  if (id.find('.') != std::string::npos) return std::nullopt;
  return id;
}

void AddPreviewRoutes(Router& router, std::shared_ptr<PreviewBackend> backend,
                      PreviewOptions options) {
  std::string domain = options.base_domain;
  auto handler =
      std::make_shared<PreviewHandler>(std::move(backend), std::move(options));
  router.HandleHost(
      [domain](std::string_view host) {
        return PreviewSandboxId(host, domain).has_value();
      },
      TakeoverHandler(
          [handler](TakeoverContext ctx) { handler->Handle(std::move(ctx)); }));
}

}  // namespace sandboxd
