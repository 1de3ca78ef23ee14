#include "lib/http/rest_routes.h"

#include "absl/strings/str_cat.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "lib/http/rest_query.h"

namespace sandboxd {
namespace {

using google::protobuf::MethodDescriptor;

absl::Status AddBinding(const MethodDescriptor* method,
                        const google::api::HttpRule& rule,
                        std::vector<RestBinding>& out) {
  RestBinding binding;
  binding.method = method;
  std::string pattern;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      binding.http_method = "GET", pattern = rule.get();
      break;
    case google::api::HttpRule::kPut:
      binding.http_method = "PUT", pattern = rule.put();
      break;
    case google::api::HttpRule::kPost:
      binding.http_method = "POST", pattern = rule.post();
      break;
    case google::api::HttpRule::kDelete:
      binding.http_method = "DELETE", pattern = rule.delete_();
      break;
    case google::api::HttpRule::kPatch:
      binding.http_method = "PATCH", pattern = rule.patch();
      break;
    case google::api::HttpRule::kCustom:
      binding.http_method = rule.custom().kind();
      pattern = rule.custom().path();
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(method->full_name(), ": http rule without a pattern"));
  }
  absl::StatusOr<PathTemplate> path = PathTemplate::Parse(pattern);
  if (!path.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(method->full_name(), ": ", path.status().message()));
  }
  binding.path = *std::move(path);
  for (const PathTemplate::Variable& variable : binding.path.variables()) {
    if (!ResolveFieldPath(method->input_type(), variable.field_path).ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          method->full_name(), ": no field ", variable.field_path));
    }
  }
  binding.body = rule.body();
  if (!binding.body.empty() && binding.body != "*" &&
      !ResolveFieldPath(method->input_type(), binding.body).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(method->full_name(), ": no body field ", binding.body));
  }
  binding.response_body = rule.response_body();
  if (!binding.response_body.empty() && method->output_type()->FindFieldByName(
                                            binding.response_body) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(method->full_name(),
                                                   ": no response_body field ",
                                                   binding.response_body));
  }
  binding.grpc_path =
      absl::StrCat("/", method->service()->full_name(), "/", method->name());
  out.push_back(std::move(binding));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<RestBinding>> ReadRestBindings(
    const google::protobuf::ServiceDescriptor* service) {
  std::vector<RestBinding> bindings;
  for (int i = 0; i < service->method_count(); ++i) {
    const MethodDescriptor* method = service->method(i);
    if (!method->options().HasExtension(google::api::http)) continue;
    if (method->client_streaming()) {
      return absl::InvalidArgumentError(absl::StrCat(
          method->full_name(), ": client streaming is not served over REST"));
    }
    const google::api::HttpRule& rule =
        method->options().GetExtension(google::api::http);
    absl::Status added = AddBinding(method, rule, bindings);
    if (!added.ok()) return added;
    for (const google::api::HttpRule& extra : rule.additional_bindings()) {
      added = AddBinding(method, extra, bindings);
      if (!added.ok()) return added;
    }
  }
  return bindings;
}

RestRouteTable::Match RestRouteTable::Find(std::string_view http_method,
                                           std::string_view path) const {
  Match match;
  for (const RestBinding& binding : bindings_) {
    std::optional<PathTemplate::Bindings> variables = binding.path.Match(path);
    if (!variables.has_value()) continue;
    match.methods.push_back(binding.http_method);
    if (match.binding == nullptr && binding.http_method == http_method) {
      match.binding = &binding;
      match.variables = *std::move(variables);
    }
  }
  match.path_known = !match.methods.empty();
  return match;
}

}  // namespace sandboxd
