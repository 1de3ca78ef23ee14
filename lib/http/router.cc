#include "lib/http/router.h"

#include <algorithm>

namespace sandboxd {

namespace http = boost::beast::http;

std::string_view TargetPath(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

void Router::Handle(http::verb method, std::string path, Handler handler) {
  exact_routes_[path].emplace_back(method, std::move(handler));
}

void Router::HandlePrefix(std::string prefix, Handler handler) {
  auto position = std::find_if(
      prefix_routes_.begin(), prefix_routes_.end(),
      [&](const auto& route) { return route.first.size() < prefix.size(); });
  prefix_routes_.emplace(position, std::move(prefix), std::move(handler));
}

void Router::HandleHost(HostPredicate matches, Handler handler) {
  host_routes_.emplace_back(std::move(matches), std::move(handler));
}

Router::Match Router::Find(http::verb method, std::string_view host,
                           std::string_view target) const {
  for (const auto& [matches, handler] : host_routes_) {
    if (matches(host)) return {&handler, http::status::ok};
  }
  std::string_view path = TargetPath(target);
  auto exact = exact_routes_.find(absl::string_view(path.data(), path.size()));
  if (exact != exact_routes_.end()) {
    for (const auto& [route_method, handler] : exact->second) {
      if (route_method == method) return {&handler, http::status::ok};
    }
  }
  for (const auto& [prefix, handler] : prefix_routes_) {
    if (path.substr(0, prefix.size()) == prefix) {
      return {&handler, http::status::ok};
    }
  }
  if (exact != exact_routes_.end()) {
    return {nullptr, http::status::not_implemented};
  }
  return {nullptr, http::status::not_found};
}

}  // namespace sandboxd
