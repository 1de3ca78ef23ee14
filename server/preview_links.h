// The preview URL a sandbox's owner gets from Create and Get (gRPC and REST
// alike): private previews served by sandboxd's proxy carry a fresh URL
// token (lib/auth/preview_token.h). Records, List and WatchBuild keep the
// bare URL: tokens expire, so only a call that checked the caller mints one.
#ifndef SANDBOXD_SERVER_PREVIEW_LINKS_H_
#define SANDBOXD_SERVER_PREVIEW_LINKS_H_

#include <memory>
#include <string>

#include "lib/auth/preview_token.h"
#include "sandbox/v1/sandbox.pb.h"

namespace sandboxd {

// Thread-safe and immutable.
class PreviewLinks {
 public:
  PreviewLinks(std::shared_ptr<const auth::PreviewTokens> tokens,
               std::string preview_domain)
      : tokens_(std::move(tokens)),
        preview_domain_(std::move(preview_domain)) {}

  // `sandbox.preview_url()` with a URL token when the preview is private and
  // its host is `{sandbox_id}.{preview_domain}`; unchanged otherwise (empty,
  // public, or a provider's own URL, e.g. Daytona's).
  std::string OwnerUrl(const sandbox::v1::Sandbox& sandbox) const;

 private:
  const std::shared_ptr<const auth::PreviewTokens> tokens_;
  const std::string preview_domain_;
};

}  // namespace sandboxd

#endif  // SANDBOXD_SERVER_PREVIEW_LINKS_H_
