// The REST bindings of a gRPC service, read from the `google.api.http`
// options of its methods in a descriptor pool (additional_bindings included),
// and the table that maps a request's method and path to one of them. Used by
// lib/http/rest_transcoder.h.
//
// Thread-safety: a built RestRouteTable is immutable; Match is safe from many
// threads.
#ifndef SANDBOXD_LIB_HTTP_REST_ROUTES_H_
#define SANDBOXD_LIB_HTTP_REST_ROUTES_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/beast/http/verb.hpp"
#include "google/protobuf/descriptor.h"
#include "lib/http/rest_path_template.h"

namespace sandboxd {

struct RestBinding {
  const google::protobuf::MethodDescriptor* method = nullptr;
  // "GET", "POST", ..., or a custom kind's name.
  std::string http_method;
  PathTemplate path;
  // "" (no body), "*" (whole request), or a field path.
  std::string body;
  // "" (whole response) or a field of the response.
  std::string response_body;
  // "/package.Service/Method", for the generic stub.
  std::string grpc_path;
};

// Every binding of every method of `service` that has the option. Methods
// without it are not served over REST. INVALID_ARGUMENT for a bad template,
// a client-streaming method or an unknown body field.
absl::StatusOr<std::vector<RestBinding>> ReadRestBindings(
    const google::protobuf::ServiceDescriptor* service);

class RestRouteTable {
 public:
  explicit RestRouteTable(std::vector<RestBinding> bindings)
      : bindings_(std::move(bindings)) {}

  struct Match {
    const RestBinding* binding = nullptr;  // null: see path_known
    PathTemplate::Bindings variables;
    // No binding for this method, but one for the path with another method.
    bool path_known = false;
    // The methods bound to this path (for CORS preflight answers).
    std::vector<std::string> methods;
  };
  // First binding (in declaration order) whose method and template match.
  Match Find(std::string_view http_method, std::string_view path) const;

  const std::vector<RestBinding>& bindings() const { return bindings_; }

 private:
  std::vector<RestBinding> bindings_;
};

}  // namespace sandboxd

#endif  // SANDBOXD_LIB_HTTP_REST_ROUTES_H_
