// The preview proxy of the HTTP front: requests for `{sandbox_id}.{domain}`
// are relayed, bytes both ways (so WebSocket upgrades and hot reload work),
// to the sandbox's app through a socket the backend dials. While a sandbox
// builds or starts, its preview answers with a small self-refreshing page;
// an unknown one answers 404. Private previews (the default) answer only a
// browser holding the preview cookie, which a valid URL token from Get or
// Create buys; others get 403 and are never relayed (README.md "Private
// previews"). A relayed request is its connection's last (Connection: close),
// so every request passes the check. Wired by server/ for the local provider.
#ifndef SANDBOXD_LIB_HTTP_PREVIEW_PROXY_H_
#define SANDBOXD_LIB_HTTP_PREVIEW_PROXY_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/auth/preview_token.h"
#include "lib/http/router.h"

namespace sandboxd {

// What the proxy asks the rest of sandboxd. Implementations are
// thread-safe; Check must not block for long, Dial may block about a second
// (the proxy calls it off the io threads).
class PreviewBackend {
 public:
  enum class State { kReady, kStarting, kNotFound };
  enum class Visibility { kNotFound, kPrivate, kPublic };
  struct Status {
    State state = State::kNotFound;
    std::string phase;    // for the waiting page, e.g. "INSTALLING"
    bool waking = false;  // a stopped app is starting again: hold requests
  };
  virtual ~PreviewBackend() = default;
  // Whether the sandbox's preview needs a token. No side effects: neither
  // activity nor a wake-up (a refused visit must not start anything).
  virtual Visibility GetVisibility(std::string_view sandbox_id) = 0;
  // Counts as activity; starts a stopped sandbox.
  virtual Status Check(std::string_view sandbox_id) = 0;
  // A connected socket to the app (the caller owns the fd).
  virtual absl::StatusOr<int> Dial(std::string_view sandbox_id) = 0;
};

struct PreviewOptions {
  std::string base_domain = "preview.localhost";
  // How long a request to a waking sandbox is held before the waiting page.
  absl::Duration hold_for_wake = absl::Seconds(30);
  int dial_threads = 2;
  // Checks preview tokens and cookies; null refuses every private preview.
  std::shared_ptr<const auth::PreviewTokens> tokens;
  // The cookie's attributes (see PreviewSetCookie in preview_access.h).
  bool secure_cookie = true;
};

// The sandbox id a Host header names, or nullopt if it is not a preview
// host: "{id}.{base_domain}" with an optional ":port", case-insensitive.
std::optional<std::string> PreviewSandboxId(std::string_view host,
                                            std::string_view base_domain);

// Registers the preview host route on `router`.
void AddPreviewRoutes(Router& router, std::shared_ptr<PreviewBackend> backend,
                      PreviewOptions options);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_PREVIEW_PROXY_H_
