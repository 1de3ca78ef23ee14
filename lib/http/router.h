// Maps a request (Host header, method, path) to a handler of the HTTP front.
// Filled at start-up by AddOpsRoutes (lib/http/ops_routes.h) and later by the
// REST transcoder and the preview proxy; read by every connection.
#ifndef SANDBOXD_LIB_HTTP_ROUTER_H_
#define SANDBOXD_LIB_HTTP_ROUTER_H_

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "boost/beast/http/status.hpp"
#include "boost/beast/http/verb.hpp"
#include "lib/http/handler.h"

namespace sandboxd {

// Order of matching: host routes (registration order), then exact method +
// path, then the longest matching path prefix. A path registered exactly but
// for other methods answers 501 (grpc-gateway's "Method Not Allowed"); no
// match at all answers 404.
//
// Thread-safety: register routes before handing the router to
// HttpServer::Start; after that it is only read (Find is const and safe to
// call from many threads).
class Router {
 public:
  using HostPredicate = std::function<bool(std::string_view host)>;

  // `path` is matched exactly against the target without its query string.
  void Handle(boost::beast::http::verb method, std::string path,
              Handler handler);
  // Any method; paths that start with `prefix`.
  void HandlePrefix(std::string prefix, Handler handler);
  // Any method and path when `matches` accepts the Host header's value
  // (e.g. "abc.preview.localhost:8080"; empty when the header is missing).
  void HandleHost(HostPredicate matches, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null: answer `status`
    boost::beast::http::status status = boost::beast::http::status::not_found;
  };
  Match Find(boost::beast::http::verb method, std::string_view host,
             std::string_view target) const;

 private:
  std::vector<std::pair<HostPredicate, Handler>> host_routes_;
  absl::flat_hash_map<std::string,
                      std::vector<std::pair<boost::beast::http::verb, Handler>>>
      exact_routes_;
  std::vector<std::pair<std::string, Handler>> prefix_routes_;  // longest first
};

// The path part of a request target: everything before '?' or '#'.
std::string_view TargetPath(std::string_view target);

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_ROUTER_H_
