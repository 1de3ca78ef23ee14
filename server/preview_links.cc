#include "server/preview_links.h"

#include <optional>
#include <string_view>

#include "lib/http/preview_proxy.h"

namespace sandboxd {
namespace {

// The authority of "scheme://authority/...", or empty.
std::string_view Authority(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  url.remove_prefix(scheme_end + 3);
  return url.substr(0, url.find_first_of("/?#"));
}

}  // namespace

std::string PreviewLinks::OwnerUrl(const sandbox::v1::Sandbox& sandbox) const {
  const std::string& url = sandbox.preview_url();
  if (url.empty() || sandbox.public_preview() || tokens_ == nullptr) return url;
  std::optional<std::string> host_id =
      PreviewSandboxId(Authority(url), preview_domain_);
  if (host_id != sandbox.sandbox_id()) return url;
  return auth::WithPreviewToken(
      url, tokens_->Mint(sandbox.sandbox_id(), auth::PreviewTokenKind::kUrl));
}

}  // namespace sandboxd
